"""Use cases of the assessment cycle. Each is one function called by the UI, the CLI, tasks
and tests alike; each checks the caller's rights (parindex.assessment.permissions) and
the cycle's state (parindex.assessment.lifecycle), writes in one transaction and audits.

Modules: base (unit_of, the organiser's rights), writes (the one write path of entries),
blocks (blocks declared absent for units),
cycles (methodologies, cycles, schedule), stages (checklist, transitions), workflow
(submission, late entry, appraisal, explanation), scoring (a unit's result at a stage,
progress), evidence, external (the organiser's data from a file), self_report (the unit's
self-assessment report and evidence bundle), outside (the results of the outside body a
cycle reports to, entered back)."""

from parindex.common.errors import ImportRefused, RowError, ServiceError  # noqa: F401

from ..models import Cycle
from .base import (  # noqa: F401
    _require_manage,
    can_manage,
    unit_of,
)
from .blocks import (  # noqa: F401
    AbsentBlock,
    absent_block_text,
    absent_block_texts,
    absent_blocks_of,
    block_set_absent,
    cycle_blocks,
)
from .cycles import (  # noqa: F401
    SCHEDULE_FIELDS,
    cycle_create,
    cycle_update_schedule,
    methodology_install,
    methodology_name,
    methodology_year_warning,
    schedule_label,
    self_assessment_open,
)
from .evidence import (  # noqa: F401
    evidence_for_user,
    evidence_link,
    evidence_orphans,
    evidence_unlink,
    evidence_upload,
)
from .external import (  # noqa: F401
    EXTERNAL_CSV_COLUMNS,
    external_codes,
    external_values_import,
    external_values_read_csv,
)
from .outside import (  # noqa: F401
    OUTSIDE_COLUMNS,
    OutsideTable,
    entry_save_outside,
    outside_import,
    outside_items,
    outside_read_file,
)
from .scoring import (  # noqa: F401
    ENTRY_ROW_COLUMNS,
    STAGE_LABELS,
    STAGES,
    EntryRow,
    Progress,
    counts_explanation,
    entry_row,
    participation_progress,
    stage_inputs,
    stage_inputs_of_rows,
    unit_result,
    unit_result_of_rows,
)
from .self_report import (  # noqa: F401
    evidence_bundle,
    participation_save_report,
    self_report_data,
    self_report_docx,
)
from .stages import (  # noqa: F401
    CheckItem,
    Move,
    cycle_moves,
    cycle_transition,
    not_submitted_zero,
    open_points,
    transition_checklist,
)
from .workflow import (  # noqa: F401
    appraise_remaining,
    bulk_appraisal_codes,
    entry_appraise,
    entry_appraise_code,
    entry_explain,
    late_entry_grant,
    participation_hand_over,
    participation_return,
    participation_submit,
    participation_withdraw,
)
from .writes import (  # noqa: F401
    Conflict,
    EntriesRefused,
    EntryChange,
    EntryInput,
    _leaf,
    _self_points,
    entries_save_self,
    entries_set_external,
    entry_save_self,
    entry_set_external,
    external_changes,
    lock_entries,
    results_changed,
    write_entries,
)

State = Cycle.State
