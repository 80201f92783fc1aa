from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.access import role_required
from app.admin import bp
from app.admin.forms import PersonForm, TeamForm
from app.auth.forms import EmptyForm
from app.extensions import db
from app.models import Role, Team, TeamMember, User, UserRole, new_join_code


def _team_choices() -> list[SelectChoice]:
    teams = db.session.scalars(select(Team).order_by(Team.name))
    return [SelectChoice(0, "No team")] + [SelectChoice(t.id, t.name) for t in teams]


def _supervisor_choices() -> list[SelectChoice]:
    supervisors = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role.in_([Role.SUPERVISOR.value, Role.ADMIN.value]))
        .distinct()
        .order_by(User.name)
    )
    return [SelectChoice(0, "No supervisor")] + [SelectChoice(u.id, f"{u.name} ({u.email})") for u in supervisors]


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    people = db.session.scalars(
        select(User).options(selectinload(User.memberships).selectinload(TeamMember.team)).order_by(User.name)
    ).all()
    teams = db.session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.name)).all()
    return render_template("admin/index.html", people=people, teams=teams)


@bp.route("/people/new", methods=["GET", "POST"])
@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person(user_id: int | None = None):
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = PersonForm(obj=user)
    form.team_id.choices = _team_choices()
    if user and not form.is_submitted():
        form.roles.data = sorted(r.value for r in user.roles)
        form.team_id.data = user.memberships[0].team_id if user.memberships else 0
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        clash = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if clash and clash is not user:
            form.email.errors.append("Another account already uses this email.")
        elif user is None and not form.password.data:
            form.password.errors.append("A new person needs a password (they can change it later).")
        elif user is not None and user.id == current_user.id and Role.ADMIN.value not in form.roles.data:
            form.roles.errors.append("You cannot remove your own admin role.")
        else:
            user = _save_person(user, form, email)
            flash(f"{user.name} is saved.", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/person.html", form=form, person=user)


def _save_person(user: User | None, form: PersonForm, email: str) -> User:
    if user is None:
        user = User(email=email, name="", password_hash="")
        db.session.add(user)
    user.name, user.email, user.active = form.name.data.strip(), email, form.active.data
    if form.password.data:
        user.set_password(form.password.data)
    user.set_roles({Role(r) for r in form.roles.data})
    team_id = form.team_id.data or None
    current = user.memberships[0].team_id if user.memberships else None
    if team_id != current:
        user.memberships = [TeamMember(team_id=team_id)] if team_id else []
    db.session.commit()
    return user


@bp.route("/teams/new", methods=["GET", "POST"])
@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def team(team_id: int | None = None):
    team = db.session.get(Team, team_id) if team_id else None
    if team_id and team is None:
        abort(404)
    form = TeamForm(obj=team)
    form.supervisor_id.choices = _supervisor_choices()
    if team and not form.is_submitted():
        form.supervisor_id.data = team.supervisor_id or 0
    if form.validate_on_submit():
        name = form.name.data.strip()
        clash = db.session.scalar(select(Team).where(func.lower(Team.name) == name.lower()))
        if clash and clash is not team:
            form.name.errors.append("Another team already has this name.")
        else:
            if team is None:
                team = Team(name=name)
                db.session.add(team)
            team.name = name
            team.supervisor_id = form.supervisor_id.data or None
            db.session.commit()
            flash(f"Team {team.name} is saved. Join code: {team.join_code}.", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/team.html", form=form, team=team, empty_form=EmptyForm())


@bp.route("/teams/<int:team_id>/new-code", methods=["POST"])
@role_required(Role.ADMIN)
def new_code(team_id: int):
    team = db.session.get(Team, team_id) or abort(404)
    team.join_code = new_join_code()
    db.session.commit()
    flash(f"{team.name} has a new join code: {team.join_code}. The old code no longer works.", "success")
    return redirect(url_for("admin.team", team_id=team.id))
