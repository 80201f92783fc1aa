from flask import abort, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.access import role_required, visible_teams
from app.extensions import db
from app.learn.progress import course_modules, module_facts, progress_of, statuses_for
from app.models import Role, Team, TeamMember
from app.supervise import bp


@bp.route("/")
@role_required(Role.SUPERVISOR)
def index():
    teams = db.session.scalars(
        visible_teams(current_user).options(selectinload(Team.members).selectinload(TeamMember.user))
    ).all()
    return render_template("supervise/index.html", teams=teams)


@bp.route("/teams/<int:team_id>")
@role_required(Role.SUPERVISOR)
def team(team_id: int):
    team = db.session.scalar(
        visible_teams(current_user)
        .where(Team.id == team_id)
        .options(selectinload(Team.members).selectinload(TeamMember.user))
    )
    if team is None:
        abort(404)
    modules = course_modules()
    facts = module_facts(modules)
    learners = sorted((m.user for m in team.members), key=lambda u: u.name.lower())
    progress = progress_of([u.id for u in learners])
    rows = [(learner, statuses_for(facts, progress[learner.id])) for learner in learners]
    return render_template("supervise/team.html", team=team, modules=modules, rows=rows)
