"""How an audit row reads in Japanese: the action, the object, the role, and before/after field by field."""
from __future__ import annotations

import json
from typing import Any

from kpi.domain.workflow import ACTION_LABELS_JA, ROLE_LABELS_JA, Role

ACTIONS_JA: dict[str, str] = {
    **{a.value: label for a, label in ACTION_LABELS_JA.items()},
    "create_user": "利用者の追加", "update_user": "利用者の変更", "reset_password": "パスワードの再設定",
    "unlock_user": "ログイン制限の解除", "login": "ログイン", "login_failed": "ログインの失敗",
    "lockout": "ログインの一時停止", "logout": "ログアウト", "restore": "バックアップからの復元",
    "create_strategy": "戦略の追加", "update_strategy": "戦略の変更",
    "set_approval_chain": "承認経路の設定", "save_pillar": "柱の登録・変更",
    "save_item": "項目の登録・変更", "create_pillar": "柱の追加（取込）", "create_item": "項目の追加（取込）",
    "save_department": "担当課の登録・変更", "retire_department": "担当課の使用停止",
    "save_reason_category": "要因の分類の登録・変更",
    "create_indicator": "指標の追加", "update_indicator": "指標の変更", "revise_indicator": "指標の改定",
    "stop_indicator": "指標の停止", "resume_indicator": "指標の再開", "import_indicator": "指標の取込",
    "import_indicators": "指標一覧の取込",
    "create_cycle": "サイクルの作成", "open_cycle": "受付開始", "close_cycle": "締切", "finalize_cycle": "確定",
    "reopen_cycle": "サイクルの再開", "set_cycle_dates": "基準日・提出期限の設定",
    "update_reminder_settings": "督促設定の変更", "remind": "督促", "publish": "公表",
}
ENTITIES_JA: dict[str, str] = {
    "value": "指標の値", "user": "利用者", "department": "担当課", "strategy": "戦略", "pillar": "柱",
    "item": "項目", "indicator": "指標", "reason_category": "要因の分類", "cycle": "集計サイクル",
    "edition": "公表資料の版", "confirmation": "確定値", "initiative": "主な取組", "strategy_outline": "戦略の概要",
    "conclusions": "まとめ", "session": "ログイン", "warehouse": "データベース",
}
FIELDS_JA: dict[str, str] = {
    "roles": "役割", "departments": "担当課", "active": "有効", "email": "メールアドレス",
    "display_name": "氏名・表示名", "name": "名称", "code": "コード", "valid_from_fy": "適用開始年度",
    "valid_to_fy": "適用終了年度", "publisher": "発行者", "established_text": "策定（表記）",
}


def action_ja(action: str | None) -> str:
    """The Japanese name of an audit action (the code itself when unknown)."""
    return ACTIONS_JA.get(action or "", action or "")


def entity_ja(entity: str | None) -> str:
    """The Japanese name of an audited object."""
    return ENTITIES_JA.get(entity or "", entity or "")


def role_ja(role: str | None) -> str:
    """The Japanese name of a role as recorded (automated actors record theirs as given)."""
    try:
        return ROLE_LABELS_JA[Role(role)]
    except ValueError:
        return role or ""


def _shown(field: str, value: Any) -> str:
    if value is None or value == []:
        return "（なし）"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if field == "roles" and isinstance(value, list):
        return "・".join(role_ja(r) for r in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def change_lines(old: str | None, new: str | None) -> list[str]:
    """「役割: 入力担当 → 審査担当」 per changed field when before/after are JSON objects; else the text as recorded."""
    try:
        before = json.loads(old) if old else {}
        after = json.loads(new) if new else {}
    except (TypeError, ValueError):
        return [f"{old or '（なし）'} → {new or '（なし）'}"] if (old or new) else []
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [f"{old or '（なし）'} → {new or '（なし）'}"]
    fields = list(dict.fromkeys([*before, *after]))
    return [f"{FIELDS_JA.get(f, f)}: {_shown(f, before.get(f))} → {_shown(f, after.get(f))}" for f in fields]
