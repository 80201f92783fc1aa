"""content change history

Revision ID: 7d27fd9a0616
Revises: 616fd5a12b79
Create Date: 2026-11-23 01:18:53.109295

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d27fd9a0616'
down_revision = '616fd5a12b79'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=300), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_content_changes_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_content_changes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_changes'))
    )
    with op.batch_alter_table('content_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_changes_module_id'), ['module_id'], unique=False)



def downgrade():
    with op.batch_alter_table('content_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_changes_module_id'))

    op.drop_table('content_changes')
