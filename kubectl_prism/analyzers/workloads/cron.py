"""Just enough cron to know when a CronJob should have run: standard 5 fields, names, steps, macros."""

from __future__ import annotations

from datetime import datetime, timedelta

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_NAMES = {
    **{
        m: i + 1
        for i, m in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        )
    },
    **{d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


class CronError(ValueError):
    pass


def _field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.lower().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
            if step <= 0:
                raise CronError(f"bad step in {text!r}")
        if part in ("*", "?"):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a), _value(b)
        else:
            start = _value(part)
            end = high if step > 1 else start
        if start < low or end > high + (1 if high == 6 else 0) or start > end:
            raise CronError(f"{text!r} out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return {0 if (v == 7 and high == 6) else v for v in values}  # 7 is Sunday too


def _value(text: str) -> int:
    if text in _NAMES:
        return _NAMES[text]
    try:
        return int(text)
    except ValueError:
        raise CronError(f"bad value {text!r}") from None


class Cron:
    """A parsed schedule; `next_after(t)` is the first firing strictly after t (minute resolution)."""

    def __init__(self, expr: str) -> None:
        text = expr.strip()
        if text.upper().startswith(("TZ=", "CRON_TZ=")):
            text = text.split(None, 1)[1] if " " in text else ""
        text = _MACROS.get(text.lower(), text)
        fields = text.split()
        if len(fields) != 5:
            raise CronError(f"expected 5 fields in {expr!r}")
        sets = [_field(f, low, high) for f, (low, high) in zip(fields, _RANGES, strict=True)]
        self.minutes, self.hours, self.days, self.months, self.weekdays = sets
        # Vixie cron: when both day fields are restricted, a day matches if either does.
        self.day_star = fields[2] in ("*", "?")
        self.weekday_star = fields[4] in ("*", "?")

    def _day_ok(self, t: datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays
        if self.day_star or self.weekday_star:
            return dom and dow
        return dom or dow

    def next_after(self, after: datetime, horizon_days: int = 400) -> datetime | None:
        t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = after + timedelta(days=horizon_days)
        while t <= limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
            elif not self._day_ok(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        return None
