"""content version: a counter the database raises whenever the course's structure changes

Every worker keeps the course structure (modules, lessons, prerequisites, quizzes) in memory and
reuses it while this number stays the same. Triggers raise it, so no write can forget to: the
browser editor, the file import, the command line and hand-written SQL alike.

Revision ID: f5658dfcdb66
Revises: 7d27fd9a0616
Create Date: 2026-11-23 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f5658dfcdb66'
down_revision = '7d27fd9a0616'
branch_labels = None
depends_on = None

COURSE_TABLES = ('modules', 'lessons', 'module_prerequisites', 'quizzes')
BUMP = 'UPDATE content_state SET version = version + 1 WHERE id = 1'


def upgrade():
    op.create_table('content_state',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_state'))
    )
    op.execute('INSERT INTO content_state (id, version) VALUES (1, 1)')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION raise_content_version() RETURNS trigger AS $$ '
            f'BEGIN {BUMP}; RETURN NULL; END $$ LANGUAGE plpgsql'
        )
        for table in COURSE_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_raise_content_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                f'ON {table} FOR EACH STATEMENT EXECUTE FUNCTION raise_content_version()'
            )
    else:
        for table in COURSE_TABLES:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(
                    f'CREATE TRIGGER {table}_{event.lower()}_raises_content_version AFTER {event} ON {table} '
                    f'BEGIN {BUMP}; END'
                )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in COURSE_TABLES:
            op.execute(f'DROP TRIGGER {table}_raise_content_version ON {table}')
        op.execute('DROP FUNCTION raise_content_version()')
    else:
        for table in COURSE_TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER {table}_{event}_raises_content_version')
    op.drop_table('content_state')
