"""Supervisors set due dates: a module assigned to a whole team or one person, due on a date
or within N days of joining. Who may see which team and person is decided by ``app.access``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import DateField, IntegerField, SelectChoice, SelectField, SubmitField
from wtforms.validators import NumberRange, Optional

from app.access import role_required, visible_learners, visible_team
from app.extensions import db
from app.models import Assignment, Module, Role, Team, TeamMember, User
from app.supervise import bp

MAX_DAYS = 365
WHOLE_TEAM = 0


class AssignmentForm(FlaskForm):
    module_id = SelectField("Module", coerce=int, validate_choice=False)
    who = SelectField("Who", coerce=int, validate_choice=False, default=WHOLE_TEAM)
    due_on = DateField(
        "Due date",
        validators=[Optional()],
        description="Either a date, or a number of days below. Not both.",
    )
    within_days = IntegerField(
        "Or: within this many days of joining",
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_DAYS, message=f"Enter a number of days from 1 to {MAX_DAYS}."),
        ],
        description="Each person has this many days from the day they joined the team.",
    )
    submit = SubmitField("Assign")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for select_field, message in (
            (self.module_id, "Choose one of the published modules."),
            (self.who, "Choose the whole team or a member of this team."),
        ):
            # One clear message, also for values that are not even numbers ("could not coerce").
            if select_field.errors or select_field.data not in {choice.value for choice in select_field.choices}:
                select_field.errors = [message]
                valid = False
        if self.due_on.errors or self.within_days.errors:
            return False
        has_date, has_days = self.due_on.data is not None, self.within_days.data is not None
        if has_date and has_days:
            self.due_on.errors.append("Give either a due date or a number of days after joining, not both.")
            return False
        if not has_date and not has_days:
            self.due_on.errors.append("Give a due date, or a number of days after joining.")
            return False
        if has_date and self.due_on.data < date.today():
            self.due_on.errors.append("The due date cannot be in the past.")
            return False
        return valid


@dataclass(frozen=True)
class AssignmentRow:
    id: int
    module_title: str
    person: User | None  # None: the whole team
    due_on: date | None
    within_days: int | None
    set_by: str | None = None  # another supervisor who set this person's due date, which only they remove

    @property
    def removable(self) -> bool:
        return self.set_by is None

    @property
    def who(self) -> str:
        return "Whole team" if self.person is None else self.person.name

    @property
    def due(self) -> str:
        if self.due_on is not None:
            return f"{self.due_on.day} {self.due_on:%B %Y}"
        days = self.within_days
        return f"{days} day{'s' if days != 1 else ''} after joining"


def _members(team: Team) -> list[User]:
    """The team's people, as far as the viewer may see them."""
    return list(db.session.scalars(visible_learners(current_user).where(TeamMember.team_id == team.id)))


def _in_team(team: Team, members: list[User]):
    """Assignments that belong on this team's page: team-wide, or for one of its members."""
    return or_(Assignment.team_id == team.id, Assignment.user_id.in_([m.id for m in members]))


def _rows(team: Team, members: list[User]) -> list[AssignmentRow]:
    people = {m.id: m for m in members}
    found = db.session.execute(
        select(Assignment, Module.title, Module.position)
        .join(Module, Module.id == Assignment.module_id)
        .where(_in_team(team, members))
    ).all()
    found.sort(
        key=lambda r: (
            r.Assignment.user_id is not None,
            people[r.Assignment.user_id].name.lower() if r.Assignment.user_id else "",
            r.position,
            r.Assignment.id,
        )
    )
    setters = _other_setters([a for a, _title, _position in found])
    return [
        AssignmentRow(a.id, title, people.get(a.user_id), a.due_on, a.within_days, setters.get(a.id))
        for a, title, _ in found
    ]


def _other_setters(assignments: list[Assignment]) -> dict[int, str]:
    """Personal due dates another supervisor set (a learner can be in their team too), by assignment
    id, with that supervisor's name: they are shown here but removed by whoever set them, or an
    administrator. A team-wide one belongs to the team, and its supervisor may remove it."""
    if current_user.has_role(Role.ADMIN):
        return {}
    others = {a.id: a.created_by_id for a in assignments if a.user_id is not None and a.created_by_id is not None}
    others = {aid: setter for aid, setter in others.items() if setter != current_user.id}
    if not others:
        return {}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(set(others.values())))).all())
    return {aid: names[setter] for aid, setter in others.items() if setter in names}


def _duplicate(team: Team, form: AssignmentForm) -> bool:
    target = Assignment.team_id == team.id if form.who.data == WHOLE_TEAM else Assignment.user_id == form.who.data
    found = db.session.scalar(select(Assignment.id).where(Assignment.module_id == form.module_id.data, target))
    return found is not None


@bp.route("/teams/<int:team_id>/assignments", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def assignments(team_id: int):
    team = visible_team(current_user, team_id)
    members = _members(team)
    modules = db.session.scalars(
        select(Module).where(Module.published.is_(True)).order_by(Module.position, Module.id)
    ).all()
    form = AssignmentForm()
    form.module_id.choices = [SelectChoice(m.id, m.title) for m in modules]
    form.who.choices = [SelectChoice(WHOLE_TEAM, "Whole team")] + [
        SelectChoice(m.id, f"{m.name} ({m.email})") for m in members
    ]
    status = 200
    if form.is_submitted():
        if form.validate():
            if not _duplicate(team, form):
                _add(team, form)
                return redirect(url_for("supervise.assignments", team_id=team.id))
            form.module_id.errors.append(
                "This module is already assigned to them here. Remove that assignment first to change its due date."
            )
        status = 422
    page = render_template(
        "supervise/assignments.html",
        team=team,
        form=form,
        rows=_rows(team, members),
        has_members=bool(members),
        has_modules=bool(modules),
    )
    return page, status


def _add(team: Team, form: AssignmentForm) -> None:
    whole_team = form.who.data == WHOLE_TEAM
    assignment = Assignment(
        module_id=form.module_id.data,
        team_id=team.id if whole_team else None,
        user_id=None if whole_team else form.who.data,
        due_on=form.due_on.data,
        within_days=form.within_days.data if form.due_on.data is None else None,
        created_by_id=current_user.id,
    )
    db.session.add(assignment)
    db.session.commit()
    module = db.session.get(Module, assignment.module_id)
    who = "the whole team" if whole_team else db.session.get(User, assignment.user_id).name
    row = AssignmentRow(assignment.id, module.title, None, assignment.due_on, assignment.within_days)
    flash(f"“{module.title}” is assigned to {who}, due {row.due}.", "success")


@bp.route("/teams/<int:team_id>/assignments/<int:assignment_id>/delete", methods=["POST"])
@role_required(Role.SUPERVISOR)
def delete_assignment(team_id: int, assignment_id: int):
    team = visible_team(current_user, team_id)
    members = _members(team)
    assignment = db.session.scalar(select(Assignment).where(Assignment.id == assignment_id, _in_team(team, members)))
    if assignment is None:
        abort(404)
    setter = _other_setters([assignment]).get(assignment.id)
    if setter is not None:
        abort(403, f"{setter} set this due date. Only they, or an administrator, can remove it.")
    title = db.session.scalar(select(Module.title).where(Module.id == assignment.module_id))
    db.session.delete(assignment)
    db.session.commit()
    flash(f"The assignment of “{title}” is removed.", "success")
    return redirect(url_for("supervise.assignments", team_id=team.id))
