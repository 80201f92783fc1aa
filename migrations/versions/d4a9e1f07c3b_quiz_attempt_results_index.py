"""quiz attempt results index: a learner's results read from an index, not from the attempts' rows

An attempt's row holds its questions and answers as JSON (several kilobytes), and the columns after them
(score, passed, submitted_at) sit on the row's overflow pages. Every page that shows a learner's best
results, the quiz page's list of attempts and the team grid's count of submissions read those columns
for each attempt: a learner with many attempts cost more on every page. This index holds them (and the
attempt's number, in the list's order), so those reads never touch the rows. It starts with user_id, so the
index on user_id alone is dropped.

Revision ID: d4a9e1f07c3b
Revises: b7e2d41c9a55
Create Date: 2026-11-24 06:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd4a9e1f07c3b'
down_revision = 'b7e2d41c9a55'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_quiz_attempts_results', 'quiz_attempts', ['user_id', 'quiz_id', 'number', 'submitted_at', 'passed', 'score']
    )
    op.drop_index('ix_quiz_attempts_user_id', table_name='quiz_attempts')


def downgrade():
    op.create_index('ix_quiz_attempts_user_id', 'quiz_attempts', ['user_id'])
    op.drop_index('ix_quiz_attempts_results', table_name='quiz_attempts')
