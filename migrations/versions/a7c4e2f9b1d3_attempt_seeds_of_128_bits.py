"""attempt seeds of 128 bits: an attempt's seed is a random 32-digit hex string, not a 31-bit number

An attempt's option ids and the order of its questions and choices are worked out from its seed. With
31 bits, a learner could try every seed against the option ids on an attempt's page (minutes on one
core) and so learn the order of the choices in quiz.yml, and which right-hand item of a matching
question goes with which left-hand one, before answering. 128 bits are too many to try. Existing
attempts keep their number as its text: what they showed is stored with them, so nothing is
worked out from an old seed again.

Revision ID: a7c4e2f9b1d3
Revises: e6b3c9d2a4f1
Create Date: 2026-11-24 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c4e2f9b1d3'
down_revision = 'e6b3c9d2a4f1'
branch_labels = None
depends_on = None


def upgrade():
    # No triggers on quiz_attempts, so SQLite's batch mode (a rebuilt table) loses nothing.
    with op.batch_alter_table('quiz_attempts') as batch:
        batch.alter_column(
            'seed', existing_type=sa.Integer(), type_=sa.String(32), existing_nullable=False,
            postgresql_using='seed::text',
        )


def downgrade():
    # A 128-bit seed does not fit: those attempts get 0 (their questions are stored with them).
    op.execute("UPDATE quiz_attempts SET seed = '0' WHERE seed NOT GLOB '[0-9]*'"
               if op.get_bind().dialect.name == 'sqlite' else
               "UPDATE quiz_attempts SET seed = '0' WHERE seed !~ '^[0-9]{1,9}$'")
    with op.batch_alter_table('quiz_attempts') as batch:
        batch.alter_column(
            'seed', existing_type=sa.String(32), type_=sa.Integer(), existing_nullable=False,
            postgresql_using='seed::integer',
        )
