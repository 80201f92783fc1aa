"""teams version: a third counter on content_state, raised whenever a team's membership or assignments change

Every worker keeps the team grids it has shown (app/supervise/kept_grids.py). While this number and
the people version stay the same, a team's members and the sources of their due dates are what the
worker read before, so a view need not read them again. Triggers raise it, so no write can forget to.

Revision ID: e6b3c9d2a4f1
Revises: d4a9e1f07c3b
Create Date: 2026-11-24 07:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6b3c9d2a4f1'
down_revision = 'd4a9e1f07c3b'
branch_labels = None
depends_on = None

TEAM_TABLES = ('team_members', 'assignments')
BUMP = 'UPDATE content_state SET teams_version = teams_version + 1 WHERE id = 1'


def upgrade():
    with op.batch_alter_table('content_state') as batch_op:
        batch_op.add_column(sa.Column('teams_version', sa.Integer(), nullable=False, server_default='1'))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION raise_teams_version() RETURNS trigger AS $$ '
            f'BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql'
        )
        for table in TEAM_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_raise_teams_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION raise_teams_version()'
            )
    else:
        for table in TEAM_TABLES:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(
                    f'CREATE TRIGGER {table}_{event.lower()}_raises_teams_version AFTER {event} ON {table} '
                    f'BEGIN {BUMP}; END'
                )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TEAM_TABLES:
            op.execute(f'DROP TRIGGER {table}_raise_teams_version ON {table}')
        op.execute('DROP FUNCTION raise_teams_version()')
    else:
        for table in TEAM_TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER {table}_{event}_raises_teams_version')
    with op.batch_alter_table('content_state') as batch_op:
        batch_op.drop_column('teams_version')
