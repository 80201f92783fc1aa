"""module changed in browser: whether an author has changed a module in the browser since its files were imported

An import brings each module back to what its files say. A module changed in the browser since then
holds work its files do not, so the import keeps it as it is (and says so) unless asked to replace it.

Revision ID: b7e2d41c9a55
Revises: a41c7e2b9d10
Create Date: 2026-11-23 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2d41c9a55'
down_revision = 'a41c7e2b9d10'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both databases: rebuilding the table (Alembic's batch mode on SQLite)
    # would drop the triggers that raise the content version.
    op.add_column('modules', sa.Column('changed_in_browser', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE modules DROP COLUMN changed_in_browser')  # SQLite 3.35+, keeps the triggers
    else:
        op.drop_column('modules', 'changed_in_browser')
