"""Email addresses checked by email-validator, without DNS look-ups.

``.test`` addresses are allowed: the demo accounts (and many training sites' test accounts)
use them, and nothing is ever sent by looking up a domain here.
"""

from email_validator import EmailNotValidError, validate_email
from wtforms.validators import ValidationError


class EmailAddress:
    def __call__(self, form, field) -> None:
        try:
            validate_email(field.data or "", check_deliverability=False, test_environment=True)
        except EmailNotValidError as error:
            raise ValidationError(f"Please enter a valid email address ({error}).") from None
