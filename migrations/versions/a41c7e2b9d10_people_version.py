"""people version: a second counter on content_state, raised whenever an account or its roles change

Every worker keeps the signed-in people it has seen (name, roles, session token) and reuses them while
this number stays the same, so a page needs no query of its own to know who is asking. Triggers raise
it, so no write can forget to: a sign-out elsewhere, a password change, a deactivation or a new role
takes effect on the next request, whichever worker serves it.

Revision ID: a41c7e2b9d10
Revises: f5658dfcdb66
Create Date: 2026-11-23 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a41c7e2b9d10'
down_revision = 'f5658dfcdb66'
branch_labels = None
depends_on = None

PEOPLE_TABLES = ('users', 'user_roles')
BUMP = 'UPDATE content_state SET people_version = people_version + 1 WHERE id = 1'


def upgrade():
    with op.batch_alter_table('content_state') as batch_op:
        batch_op.add_column(sa.Column('people_version', sa.Integer(), nullable=False, server_default='1'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION raise_people_version() RETURNS trigger AS $$ '
            f'BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql'
        )
        for table in PEOPLE_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_raise_people_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION raise_people_version()'
            )
    else:
        for table in PEOPLE_TABLES:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(
                    f'CREATE TRIGGER {table}_{event.lower()}_raises_people_version AFTER {event} ON {table} '
                    f'BEGIN {BUMP}; END'
                )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in PEOPLE_TABLES:
            op.execute(f'DROP TRIGGER {table}_raise_people_version ON {table}')
        op.execute('DROP FUNCTION raise_people_version()')
    else:
        for table in PEOPLE_TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER {table}_{event}_raises_people_version')
    with op.batch_alter_table('content_state') as batch_op:
        batch_op.drop_column('people_version')
