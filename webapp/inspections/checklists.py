"""The admin's checklist editor: rename, add, reorder, reword and retire items. No Flask here.

Past inspections must keep meaning what they meant: an item that has been answered is never deleted, and
rewording it retires it and adds the new wording as a new item in the same place.
"""
from __future__ import annotations

import uuid

from sqlmodel import Session, func, select

from webapp import audit
from webapp.auth.models import User
from webapp.inspections.models import ChecklistItem, ChecklistTemplate, InspectionFinding
from webapp.inspections.schemas import ItemEdit, TemplateEdit


def templates(session: Session) -> list[tuple[ChecklistTemplate, int, int]]:
    """Every template with its counts of active and retired items."""
    rows = session.exec(select(ChecklistTemplate).order_by(ChecklistTemplate.position, ChecklistTemplate.id)).all()
    counts = {(t, a): n for t, a, n in session.exec(
        select(ChecklistItem.template_id, ChecklistItem.active, func.count()).group_by(
            ChecklistItem.template_id, ChecklistItem.active))}
    return [(t, counts.get((t.id, True), 0), counts.get((t.id, False), 0)) for t in rows]


def items_of(session: Session, template: ChecklistTemplate) -> list[ChecklistItem]:
    """The template's items in order, retired ones included."""
    return list(session.exec(select(ChecklistItem).where(ChecklistItem.template_id == template.id)
                             .order_by(ChecklistItem.position, ChecklistItem.id)))


def used_ids(session: Session, template: ChecklistTemplate) -> set[int]:
    """Items of the template that some inspection has answered."""
    stmt = (select(InspectionFinding.item_id).join(ChecklistItem, ChecklistItem.id == InspectionFinding.item_id)
            .where(ChecklistItem.template_id == template.id).distinct())
    return set(session.exec(stmt))


def create_template(session: Session, actor: User, data: TemplateEdit) -> ChecklistTemplate:
    """Add an empty checklist at the end of the list."""
    last = session.exec(select(func.max(ChecklistTemplate.position))).one()
    template = ChecklistTemplate(code=f"custom-{uuid.uuid4().hex[:12]}", name=data.name, name_en=data.name_en,
                                 position=(last or 0) + 1)
    session.add(template)
    session.flush()
    audit.record(session, actor, "checklist.create", template, after=data.model_dump())
    return template


def update_template(session: Session, actor: User, template: ChecklistTemplate, data: TemplateEdit,
                    active: bool) -> ChecklistTemplate:
    """Rename a checklist, or take it out of (or back into) use on the inspection form."""
    before = {"name": template.name, "name_en": template.name_en, "active": template.active}
    template.name, template.name_en, template.active = data.name, data.name_en, active
    session.add(template)
    session.flush()
    audit.record(session, actor, "checklist.update", template, before=before,
                 after={**data.model_dump(), "active": active})
    return template


def _renumber(session: Session, items: list[ChecklistItem]) -> None:
    for position, item in enumerate(items):
        item.position = position
        session.add(item)


def add_item(session: Session, actor: User, template: ChecklistTemplate, data: ItemEdit) -> ChecklistItem:
    """Add an item at the end of the checklist."""
    items = items_of(session, template)
    item = ChecklistItem(template_id=template.id, text=data.text, text_en=data.text_en, position=len(items))
    session.add(item)
    _renumber(session, items + [item])
    session.flush()
    audit.record(session, actor, "checklist.item_add", item, after={"template_id": template.id, **data.model_dump()})
    return item


def edit_item(session: Session, actor: User, item: ChecklistItem, data: ItemEdit) -> ChecklistItem:
    """Reword an item; one already answered is retired and replaced, so old answers keep their wording."""
    template = session.get(ChecklistTemplate, item.template_id)
    before = {"text": item.text, "text_en": item.text_en}
    if (data.text, data.text_en) == (item.text, item.text_en):
        return item
    if item.id not in used_ids(session, template):
        item.text, item.text_en = data.text, data.text_en
        session.add(item)
        session.flush()
        audit.record(session, actor, "checklist.item_edit", item, before=before, after=data.model_dump())
        return item
    items = items_of(session, template)
    new = ChecklistItem(template_id=template.id, text=data.text, text_en=data.text_en, active=item.active)
    item.active = False
    items.insert(items.index(item) + 1, new)
    session.add(new)
    _renumber(session, items)
    session.flush()
    audit.record(session, actor, "checklist.item_replace", new, before={"replaces": item.id, **before},
                 after=data.model_dump())
    return new


def move_item(session: Session, actor: User, item: ChecklistItem, direction: str) -> None:
    """Move an item one place up or down among the checklist's active items."""
    template = session.get(ChecklistTemplate, item.template_id)
    items = items_of(session, template)
    active = [i for i in items if i.active]
    if item not in active:
        return
    index = active.index(item)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(active):
        return
    a, b = items.index(active[index]), items.index(active[target])
    items[a], items[b] = items[b], items[a]
    _renumber(session, items)
    session.flush()
    audit.record(session, actor, "checklist.item_move", item, after={"direction": direction})


def remove_item(session: Session, actor: User, item: ChecklistItem) -> str:
    """Retire an answered item ("deactivated"); delete one never used ("deleted")."""
    template = session.get(ChecklistTemplate, item.template_id)
    if item.id in used_ids(session, template):
        item.active = False
        session.add(item)
        outcome = "deactivated"
    else:
        session.delete(item)
        outcome = "deleted"
    session.flush()
    audit.record(session, actor, f"checklist.item_{outcome}", item, before={"text": item.text})
    return outcome


def restore_item(session: Session, actor: User, item: ChecklistItem) -> None:
    """Put a retired item back on the checklist."""
    item.active = True
    session.add(item)
    session.flush()
    audit.record(session, actor, "checklist.item_restore", item, after={"text": item.text})
