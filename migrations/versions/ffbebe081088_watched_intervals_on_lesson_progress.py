"""watched intervals on lesson progress

Server defaults let existing rows take the new non-null columns.

Revision ID: ffbebe081088
Revises: c3f363490530
Create Date: 2026-11-23 00:30:53.829339

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ffbebe081088'
down_revision = 'c3f363490530'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('watched', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('position_seconds', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('speed', sa.Float(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('last_report_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_column('last_report_at')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('speed')
        batch_op.drop_column('position_seconds')
        batch_op.drop_column('watched')

