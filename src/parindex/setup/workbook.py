"""The set-up as ONE Excel workbook (docs/setup-workbook.md): units, accounts and roles,
appraiser assignments, lead agencies. `workbook_export` writes it (empty: the template);
`workbook_import` reads it all or nothing: every problem is reported as "Sheet, dòng N,
cột X: message" and nothing is saved unless every row is right."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook

from parindex.accounts.models import Membership, OrgUnit, Role
from parindex.assessment import permissions as perm
from parindex.audit.services import log_action
from parindex.common.cells import append_text_safe
from parindex.common.errors import ServiceError
from parindex.common.office_zip import DEFAULT, OfficeFileRefused, capped, load_workbook_checked

from . import services as svc

UNITS = "Đơn vị"
ACCOUNTS = "Tài khoản"
APPRAISAL = "Phân công thẩm định"
LEAD = "Cơ quan chủ trì"
HELP = "Hướng dẫn"
COLUMNS: dict[str, tuple[str, ...]] = {
    UNITS: ("Mã", "Tên", "Loại", "Mã đơn vị cấp trên", "Đơn vị trước sắp xếp"),
    ACCOUNTS: (
        "Tên đăng nhập",
        "Họ và tên",
        "E-mail",
        "Vai trò",
        "Mã đơn vị",
        "Mã đơn vị được đánh giá",
        "Mã tiêu chí",
    ),
    APPRAISAL: ("Tên đăng nhập", "Mã đơn vị được thẩm định", "Lĩnh vực", "Mã đơn vị tổ chức"),
    LEAD: ("Mã cơ quan chủ trì", "Mã đơn vị được đánh giá", "Mã tiêu chí", "Tên đăng nhập"),
}
HELP_LINES = (
    "Tệp thiết lập parindex: đơn vị, tài khoản, phân công thẩm định, cơ quan chủ trì.",
    "Dòng 1 của mỗi sheet là tiêu đề; dữ liệu từ dòng 2. Không đổi tên sheet, tiêu đề.",
    "Nhập tệp: tất cả hoặc không có gì — chỉ cần một dòng sai là không lưu dòng nào; "
    "mọi lỗi được báo theo “Sheet, dòng N, cột X”.",
    "Đơn vị: mã không trùng (chữ không dấu, số, . _ -); loại: "
    + "; ".join(f"{v} ({label})" for v, label in OrgUnit.Type.choices)
    + "; mã đơn vị cấp trên: một đơn vị trong tệp hoặc đã có; đơn vị trước sắp xếp: "
    "tên các đơn vị hợp nhất, cách nhau bởi dấu chấm phẩy.",
    "Tài khoản: mỗi dòng một vai trò; một người nhiều vai trò thì nhiều dòng cùng tên "
    "đăng nhập. Vai trò: " + "; ".join(f"{v} ({label})" for v, label in Role.choices) + ". "
    "Để trống vai trò: chỉ tạo tài khoản. Tài khoản mới nhận e-mail có đường dẫn đặt mật khẩu.",
    "Mã tiêu chí, lĩnh vực: cách nhau bởi dấu chấm phẩy, ví dụ “1; 3.2”.",
    "Phân công thẩm định: thành viên Hội đồng thẩm định chỉ thẩm định một đơn vị và/hoặc "
    "một số lĩnh vực; mã đơn vị tổ chức (Sở Nội vụ) để trống thì lấy đơn vị của vai trò "
    "thẩm định của tài khoản ở sheet Tài khoản.",
    "Cơ quan chủ trì: sở nhập một số tiêu chí trong tự đánh giá của đơn vị khác; tên đăng "
    "nhập để trống thì giao cho mọi cán bộ, lãnh đạo của cơ quan chủ trì.",
)


class WorkbookRefused(ServiceError):
    """An import refused as a whole, with every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(
            _("Không nhập gì: tệp có %(n)s lỗi, hãy sửa rồi tải lên lại.") % {"n": len(errors)}
        )
        self.errors = errors


@dataclass
class ImportSummary:
    units_created: int = 0
    units_updated: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    roles_added: int = 0
    new_accounts: list[User] = field(default_factory=list)


# --- export ------------------------------------------------------------------------------------


def _label(choices: Any, value: str) -> str:
    return str(dict(choices).get(value, value))


def _units_in_tree_order(units: list[OrgUnit]) -> list[OrgUnit]:
    ids = {u.pk for u in units}
    children: dict[int | None, list[OrgUnit]] = defaultdict(list)
    for u in units:
        children[u.parent_id if u.parent_id in ids else None].append(u)
    out: list[OrgUnit] = []
    stack = sorted(children[None], key=lambda u: u.code, reverse=True)
    while stack:
        u = stack.pop()
        out.append(u)
        stack.extend(sorted(children[u.pk], key=lambda c: c.code, reverse=True))
    return out


def export_rows(user: Any = None) -> dict[str, list[tuple[str, ...]]]:
    """The workbook's data rows per sheet (user None: everything, as the command line)."""
    scope = perm.setup_units(user) if user is not None else perm.Units(all=True)
    units = [u for u in OrgUnit.objects.select_related("parent") if scope.has(u.pk)]
    code_of = {u.pk: u.code for u in OrgUnit.objects.only("pk", "code")}
    rows: dict[str, list[tuple[str, ...]]] = {name: [] for name in COLUMNS}
    for u in _units_in_tree_order(units):
        rows[UNITS].append(
            (
                u.code,
                u.name,
                _label(OrgUnit.Type.choices, u.type),
                code_of.get(u.parent_id, "") if u.parent_id else "",
                u.predecessors,
            )
        )
    members = defaultdict(list)
    for m in Membership.objects.filter(cycle__isnull=True).order_by("pk"):
        if m.unit_id is None or scope.has(m.unit_id) or scope.all:
            members[m.user_id].append(m)
    users = User.objects.filter(is_active=True).order_by("username")
    if not scope.all:
        users = users.filter(pk__in=list(members))
    for account in users:
        name, email = account.get_full_name(), account.email
        plain = []
        if account.is_superuser and not any(
            perm.role_is_admin(m.role) for m in members[account.pk]
        ):
            plain.append((_label(Role.choices, Role.ADMIN), "", "", ""))
        for m in members[account.pk]:
            codes = "; ".join(m.codes or [])
            target = code_of.get(m.target_id, "") if m.target_id else ""
            unit = code_of.get(m.unit_id, "") if m.unit_id else ""
            kind = perm.assignment_kind(m.role)
            if kind == perm.ASSIGNMENT_LEAD:
                rows[LEAD].append((unit, target, codes, account.username))
            elif kind == perm.ASSIGNMENT_APPRAISAL and (target or codes):
                rows[APPRAISAL].append((account.username, target, codes, unit))
            else:
                plain.append((_label(Role.choices, m.role), unit, target, codes))
        for role_row in sorted(plain) or [("", "", "", "")]:
            rows[ACCOUNTS].append((account.username, name, email, *role_row))
    rows[APPRAISAL].sort()
    rows[LEAD].sort()
    return rows


def workbook_bytes(rows: dict[str, list[tuple[str, ...]]] | None = None) -> bytes:
    """The workbook with `rows` (None: the empty template)."""
    wb = Workbook(write_only=True)
    for name, columns in COLUMNS.items():
        ws = wb.create_sheet(name)
        append_text_safe(ws, columns)
        for row in (rows or {}).get(name, []):
            append_text_safe(ws, row)  # names, codes, e-mails: text, never formulas
    ws = wb.create_sheet(HELP)
    for line in HELP_LINES:
        append_text_safe(ws, [line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook_export(user: Any = None) -> bytes:
    return workbook_bytes(export_rows(user))


# --- import ------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _choice(text: str, choices: Any) -> str | None:
    """A choice's value from its value or its label (any case)."""
    low = text.lower()
    for value, label in choices:
        if low in (value.lower(), str(label).lower()):
            return str(value)
    return None


def _unreadable(name: str) -> str:
    return _("Không đọc được tệp “%(n)s”: cần tệp Excel .xlsx theo mẫu.") % {"n": name}


def read_sheets(
    data: bytes, name: str = "thiet-lap.xlsx"
) -> tuple[dict[str, list[tuple[int, list[str]]]], list[str]]:
    """Rows (Excel row number, cells) per sheet; problems with the file's shape."""
    try:
        wb = load_workbook_checked(data, name)
    except OfficeFileRefused as exc:
        return {}, [str(exc)]
    except Exception:  # noqa: BLE001 - any unreadable file
        return {}, [_unreadable(name)]
    sheets: dict[str, list[tuple[int, list[str]]]] = {}
    errors: list[str] = []
    try:
        for sheet, columns in COLUMNS.items():
            sheets[sheet] = _sheet_rows(wb, sheet, columns, name, errors)
    except OfficeFileRefused as exc:
        return {}, [str(exc)]
    except Exception:  # noqa: BLE001 - a damaged sheet fails while it streams
        return {}, [_unreadable(name)]
    finally:
        wb.close()
    return sheets, errors


def _sheet_rows(
    wb: Any, sheet: str, columns: tuple[str, ...], name: str, errors: list[str]
) -> list[tuple[int, list[str]]]:
    """The non-empty rows of one sheet after its header (none when the sheet is missing)."""
    if sheet not in wb.sheetnames:
        return []
    rows = []
    raws = capped(wb[sheet].iter_rows(values_only=True), name, sheet, DEFAULT)
    for n, raw in enumerate(raws, start=1):
        cells = [_cell(v) for v in raw[: len(columns)]]
        cells += [""] * (len(columns) - len(cells))
        if n == 1:
            if [c.lower() for c in cells] != [c.lower() for c in columns]:
                errors.append(
                    _("%(s)s, dòng 1: tiêu đề cần là “%(h)s”.")
                    % {"s": sheet, "h": " | ".join(columns)}
                )
                break
            continue
        if any(cells):
            rows.append((n, cells))
    return rows


class _Check:
    """Collects the problems of one import."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def add(self, sheet: str, row: int, col: int, message: str) -> None:
        self.errors.append(
            _("%(s)s, dòng %(r)s, cột %(c)s: %(m)s")
            % {"s": sheet, "r": row, "c": COLUMNS[sheet][col], "m": message}
        )


@dataclass
class _Plan:
    units: dict[str, tuple[int, list[str]]] = field(default_factory=dict)  # code -> row
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)  # username -> name, mail
    roles: list[tuple[str, str, str, str, tuple[str, ...]]] = field(default_factory=list)


def workbook_import(
    *,
    user: Any,
    data: bytes,
    send_links: bool = True,
    base_url: str = "",
    name: str = "thiet-lap.xlsx",
) -> ImportSummary:
    """Import the set-up workbook, all or nothing (WorkbookRefused lists every problem).
    `user` None: the command line (administrator's rights)."""
    admin = user is None or perm.is_admin(user)
    if not admin and not perm.can_setup(user):
        raise svc.SetupRefused(_("Bạn không có quyền thiết lập."))
    sheets, shape = read_sheets(data, name)
    if shape:
        raise WorkbookRefused(shape)
    check = _Check()
    plan = _Plan()
    db_units: dict[str, tuple[int, int | None]] = {
        code: (pk, parent)
        for pk, code, parent in OrgUnit.objects.values_list("pk", "code", "parent_id")
    }
    pk_code = {pk: code for code, (pk, _p) in db_units.items()}
    scope = perm.Units(all=True) if admin else perm.setup_units(user)
    _check_units(sheets[UNITS], check, plan, db_units, pk_code, scope)
    known_units = set(db_units) | set(plan.units)
    known_codes = svc.methodology_codes(None)
    grantable = set(Role.values) if admin else set(perm.grantable_roles(user))
    db_users = {u.username.lower(): u for u in User.objects.all()}
    _check_accounts(sheets[ACCOUNTS], check, plan, known_units, known_codes, grantable)
    for name in plan.accounts:
        existing = db_users.get(name.lower())
        if existing is not None and existing.username != name:
            check.errors.append(
                _("%(s)s: tên đăng nhập “%(u)s” trùng với tài khoản “%(e)s”.")
                % {"s": ACCOUNTS, "u": name, "e": existing.username}
            )
        elif existing is not None and not admin and not svc._account_in_scope(user, existing):
            check.errors.append(
                _("%(s)s: tài khoản “%(u)s” có vai trò ngoài phạm vi thiết lập của bạn.")
                % {"s": ACCOUNTS, "u": name}
            )
    _check_appraisal(sheets[APPRAISAL], check, plan, known_units, known_codes, db_users)
    _check_lead(sheets[LEAD], check, plan, known_units, known_codes, db_users)
    if check.errors:
        raise WorkbookRefused(check.errors)
    with transaction.atomic():
        summary = _apply(plan, db_users, user)
        log_action(
            "setup.workbook_imported",
            actor=user,
            units_created=summary.units_created,
            units_updated=summary.units_updated,
            accounts_created=summary.accounts_created,
            roles_added=summary.roles_added,
        )
        if send_links:
            from .mail import send_password_link

            new = list(summary.new_accounts)
            transaction.on_commit(
                lambda: [send_password_link(a, actor=user, base_url=base_url) for a in new]
            )
    return summary


def _check_units(
    rows: list[tuple[int, list[str]]],
    check: _Check,
    plan: _Plan,
    db_units: dict[str, tuple[int, int | None]],
    pk_code: dict[int, str],
    scope: perm.Units,
) -> None:
    in_file = {cells[0] for _n, cells in rows}
    for n, cells in rows:
        code, name, type_, parent, _pred = cells
        if why := svc.check_unit_code(code):
            check.add(UNITS, n, 0, why)
            continue
        if code in plan.units:
            check.add(
                UNITS,
                n,
                0,
                _("mã “%(c)s” trùng với dòng %(r)s.") % {"c": code, "r": plan.units[code][0]},
            )
            continue
        if not name:
            check.add(UNITS, n, 1, _("thiếu tên đơn vị."))
        value = _choice(type_, OrgUnit.Type.choices)
        if value is None:
            check.add(UNITS, n, 2, _("loại không hợp lệ: “%(t)s”.") % {"t": type_})
        else:
            cells[2] = value
        if parent and parent not in db_units and parent not in in_file:
            check.add(UNITS, n, 3, _("không có đơn vị mã “%(c)s”.") % {"c": parent})
        if code in db_units and not scope.has(db_units[code][0]):
            check.add(
                UNITS, n, 0, _("đơn vị “%(c)s” ngoài phạm vi thiết lập của bạn.") % {"c": code}
            )
        plan.units[code] = (n, cells)
    # The tree after the import: the file's parents over the database's.
    parent_of = {code: pk_code.get(p) if p else None for code, (_pk, p) in db_units.items()}
    parent_of.update({code: cells[3] or None for code, (_n, cells) in plan.units.items()})
    for code, (n, cells) in plan.units.items():
        seen = {code}
        node = parent_of.get(code)
        reached_scope = scope.all
        while node is not None:
            if node in seen:
                check.add(
                    UNITS,
                    n,
                    3,
                    _("vòng lặp trong cây đơn vị: “%(c)s” là cấp dưới của chính nó.") % {"c": code},
                )
                break
            seen.add(node)
            if not reached_scope and node in db_units and scope.has(db_units[node][0]):
                reached_scope = True
            node = parent_of.get(node)
        else:
            if not reached_scope and not (code in db_units and scope.has(db_units[code][0])):
                check.add(UNITS, n, 3, _("đơn vị cấp trên ngoài phạm vi thiết lập của bạn."))


def _check_codes(
    sheet: str, n: int, col: int, text: str, known: set[str], check: _Check
) -> tuple[str, ...]:
    codes = tuple(svc.parse_codes(text))
    unknown = [c for c in codes if c not in known]
    if unknown:
        check.add(
            sheet,
            n,
            col,
            _("mã tiêu chí không có trong bộ tiêu chí: %(c)s.") % {"c": ", ".join(unknown)},
        )
    return codes


def _check_accounts(
    rows: list[tuple[int, list[str]]],
    check: _Check,
    plan: _Plan,
    known_units: set[str],
    known_codes: set[str],
    grantable: set[str],
) -> None:
    first_row: dict[str, int] = {}
    for n, cells in rows:
        username, name, email, role_text, unit, target, codes_text = cells
        if why := svc.check_username(username):
            check.add(ACCOUNTS, n, 0, why)
            continue
        if username not in plan.accounts:
            if not name:
                check.add(ACCOUNTS, n, 1, _("thiếu họ và tên."))
            if why := svc.check_email(email):
                check.add(ACCOUNTS, n, 2, why)
            plan.accounts[username] = (name, email)
            first_row[username] = n
        else:
            was = plan.accounts[username]
            if (name and name != was[0]) or (email and email != was[1]):
                check.add(
                    ACCOUNTS,
                    n,
                    1,
                    _("họ tên hoặc e-mail khác với dòng %(r)s.") % {"r": first_row[username]},
                )
        if not role_text:
            continue
        role = _choice(role_text, Role.choices)
        if role is None:
            check.add(ACCOUNTS, n, 3, _("vai trò không hợp lệ: “%(r)s”.") % {"r": role_text})
            continue
        if role not in grantable:
            check.add(ACCOUNTS, n, 3, _("bạn không được giao vai trò này."))
        if not perm.role_is_admin(role) and not unit:
            check.add(ACCOUNTS, n, 4, _("thiếu mã đơn vị."))
        for col, code in ((4, unit), (5, target)):
            if code and code not in known_units:
                check.add(ACCOUNTS, n, col, _("không có đơn vị mã “%(c)s”.") % {"c": code})
        if perm.role_needs_target(role) and not target:
            check.add(ACCOUNTS, n, 5, _("cơ quan chủ trì cần đơn vị được đánh giá."))
        codes = _check_codes(ACCOUNTS, n, 6, codes_text, known_codes, check)
        plan.roles.append((username, role, unit, target, codes))


def _check_user(
    sheet: str,
    n: int,
    col: int,
    username: str,
    plan: _Plan,
    db_users: dict[str, User],
    check: _Check,
) -> bool:
    if username in plan.accounts or username.lower() in db_users:
        return True
    check.add(sheet, n, col, _("không có tài khoản “%(u)s”.") % {"u": username})
    return False


def _check_appraisal(
    rows: list[tuple[int, list[str]]],
    check: _Check,
    plan: _Plan,
    known_units: set[str],
    known_codes: set[str],
    db_users: dict[str, User],
) -> None:
    role = perm.role_for_assignment(perm.ASSIGNMENT_APPRAISAL)
    own_units: dict[str, set[str]] = defaultdict(set)
    for username, r, unit, _t, _c in plan.roles:
        if perm.assignment_kind(r) == perm.ASSIGNMENT_APPRAISAL:
            own_units[username].add(unit)
    for n, cells in rows:
        username, target, codes_text, organiser = cells
        if not _check_user(APPRAISAL, n, 0, username, plan, db_users, check):
            continue
        if target and target not in known_units:
            check.add(APPRAISAL, n, 1, _("không có đơn vị mã “%(c)s”.") % {"c": target})
        codes = _check_codes(APPRAISAL, n, 2, codes_text, known_codes, check)
        if not target and not codes:
            check.add(APPRAISAL, n, 1, _("cần đơn vị được thẩm định hoặc lĩnh vực."))
        if not organiser:
            found = own_units.get(username, set())
            if len(found) != 1:
                check.add(
                    APPRAISAL,
                    n,
                    3,
                    _(
                        "cần mã đơn vị tổ chức (tài khoản không có đúng một vai trò "
                        "thẩm định ở sheet Tài khoản)."
                    ),
                )
                continue
            organiser = next(iter(found))
        elif organiser not in known_units:
            check.add(APPRAISAL, n, 3, _("không có đơn vị mã “%(c)s”.") % {"c": organiser})
        plan.roles.append((username, role, organiser, target, codes))


def _check_lead(
    rows: list[tuple[int, list[str]]],
    check: _Check,
    plan: _Plan,
    known_units: set[str],
    known_codes: set[str],
    db_users: dict[str, User],
) -> None:
    role = perm.role_for_assignment(perm.ASSIGNMENT_LEAD)
    staff: dict[str, set[str]] = defaultdict(set)
    for username, r, unit, _t, _c in plan.roles:
        if perm.works_in_unit(r):
            staff[unit].add(username)
    for m in Membership.objects.filter(cycle__isnull=True).select_related("user", "unit"):
        if perm.works_in_unit(m.role) and m.unit is not None:
            staff[m.unit.code].add(m.user.username)
    for n, cells in rows:
        agency, target, codes_text, username = cells
        for col, code in ((0, agency), (1, target)):
            if not code:
                check.add(LEAD, n, col, _("thiếu mã đơn vị."))
            elif code not in known_units:
                check.add(LEAD, n, col, _("không có đơn vị mã “%(c)s”.") % {"c": code})
        codes = _check_codes(LEAD, n, 2, codes_text, known_codes, check)
        if not codes:
            check.add(LEAD, n, 2, _("thiếu mã tiêu chí."))
        if username:
            if _check_user(LEAD, n, 3, username, plan, db_users, check):
                plan.roles.append((username, role, agency, target, codes))
            continue
        people = sorted(staff.get(agency, set()))
        if not people:
            check.add(
                LEAD, n, 3, _("cơ quan chủ trì chưa có cán bộ, lãnh đạo: hãy ghi tên đăng nhập.")
            )
        plan.roles.extend((p, role, agency, target, codes) for p in people)


def _apply(plan: _Plan, db_users: dict[str, User], user: Any) -> ImportSummary:
    summary = ImportSummary()
    existing = {u.code: u for u in OrgUnit.objects.filter(code__in=list(plan.units))}
    new_units = [
        OrgUnit(code=code, name=c[1], type=c[2], predecessors=c[4])
        for code, (_n, c) in plan.units.items()
        if code not in existing
    ]
    OrgUnit.objects.bulk_create(new_units, batch_size=500)
    for code, u in existing.items():
        c = plan.units[code][1]
        u.name, u.type, u.predecessors = c[1], c[2], c[4]
    OrgUnit.objects.bulk_update(
        list(existing.values()), ["name", "type", "predecessors"], batch_size=500
    )
    summary.units_created, summary.units_updated = len(new_units), len(existing)
    pk_of = dict(OrgUnit.objects.values_list("code", "pk"))
    changed = []
    for code, (_n, c) in plan.units.items():
        u = OrgUnit(pk=pk_of[code])
        u.parent_id = pk_of[c[3]] if c[3] else None
        changed.append(u)
    OrgUnit.objects.bulk_update(changed, ["parent"], batch_size=500)

    unusable = make_password(None)
    new_users, updated = [], []
    for username, (name, email) in plan.accounts.items():
        first, last = svc.split_name(name)
        found = db_users.get(username.lower())
        if found is None:
            new_users.append(
                User(
                    username=username,
                    first_name=first,
                    last_name=last,
                    email=email,
                    password=unusable,
                )
            )
        elif (found.first_name, found.last_name, found.email) != (first, last, email):
            found.first_name, found.last_name, found.email = first, last, email
            updated.append(found)
    User.objects.bulk_create(new_users, batch_size=500)
    User.objects.bulk_update(updated, ["first_name", "last_name", "email"], batch_size=500)
    summary.accounts_created, summary.accounts_updated = len(new_users), len(updated)
    summary.new_accounts = list(User.objects.filter(username__in=[u.username for u in new_users]))
    user_pk = dict(User.objects.values_list("username", "pk"))
    have = {
        (m.user_id, m.role, m.unit_id, m.target_id, tuple(sorted(m.codes or [])))
        for m in Membership.objects.filter(cycle__isnull=True)
    }
    add = []
    for username, role, unit, target, codes in plan.roles:
        key = (user_pk[username], role, pk_of.get(unit), pk_of.get(target), tuple(sorted(codes)))
        if key in have:
            continue
        have.add(key)
        add.append(
            Membership(
                user_id=key[0], role=role, unit_id=key[2], target_id=key[3], codes=list(codes)
            )
        )
    Membership.objects.bulk_create(add, batch_size=500)
    summary.roles_added = len(add)
    return summary
