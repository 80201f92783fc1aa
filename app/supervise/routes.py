from flask import current_app, render_template, request
from flask_login import current_user

from app.access import role_required, visible_team, visible_teams
from app.csv_export import csv_response
from app.extensions import db
from app.learn.progress import course_modules
from app.models import Role, Team, utcnow
from app.supervise import bp
from app.supervise.grid import ROWS_PER_PAGE, SORTS, Grid, Page
from app.supervise.kept_grids import KeptGrids
from app.supervise.queries import member_counts


@bp.route("/")
@role_required(Role.SUPERVISOR)
def index():
    teams = db.session.scalars(visible_teams(current_user)).all()
    return render_template("supervise/index.html", teams=teams, sizes=member_counts([t.id for t in teams]))


def _grid(team: Team) -> Grid:
    # Kept per app (one per worker), as the course outline its rows are built against is.
    kept = current_app.extensions.setdefault("kept_grids", KeptGrids())
    return kept.grid(team.id, course_modules(), utcnow().date())


@bp.route("/teams/<int:team_id>")
@role_required(Role.SUPERVISOR)
def team(team_id: int):
    team = visible_team(current_user, team_id)
    grid = _grid(team)
    sort = request.args.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    behind = request.args.get("behind") == "1"
    module_id = request.args.get("module", type=int)
    shown = [m for m in grid.modules if module_id in (None, m.id)] or grid.modules
    rows = grid.arranged(sort, behind)
    page = Page.of(rows, request.args.get("page", 1, type=int), ROWS_PER_PAGE)
    return render_template(
        "supervise/team.html",
        team=team,
        grid=grid,
        rows=rows[page.first : page.last],
        page=page,
        shown=shown,
        sorts=SORTS,
        sort=sort,
        behind=behind,
        module_id=module_id,
    )


@bp.route("/teams/<int:team_id>/export.csv")
@role_required(Role.SUPERVISOR)
def export_team(team_id: int):
    team = visible_team(current_user, team_id)
    grid = _grid(team)
    header = ["Name", "Email", "Last activity"]
    for module in grid.modules:
        header += [f"{module.title}: status", f"{module.title}: best quiz score", f"{module.title}: due"]
    lines = [header]
    for row in grid.arranged("name", False):
        line = [row.learner.name, row.learner.email, f"{row.last_activity:%Y-%m-%d %H:%M}" if row.last_activity else ""]
        for module in grid.modules:
            cell = row.cells[module.id]
            score = "" if cell.best_score is None else f"{cell.best_score:g}"
            line += [cell.label, score, f"{cell.due:%Y-%m-%d}" if cell.due else ""]
        lines.append(line)
    return csv_response(lines, f"{team.name}-progress.csv")
