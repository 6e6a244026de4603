"""One episode's choice at each call site: a version of the skill, or nothing (the null arm).

A call site is a skill; the episode chooses there once (Thompson sampling, or the arm a
within-group comparison assigned) and reuses the choice for the rest of the episode, so one
episode is one draw per arm and its outcome can be credited to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from ._detect import NOT_ABOUT_ARGUMENTS
from ._models import NULL_ARM, SCHEMA_MINER, Applied, EventKind, Skill, SkillVersion, TriggerKind, VersionStatus

if TYPE_CHECKING:
    from ._ledger import CreditLedger
    from ._recording import EventRecorder
    from ._selection import Selector

__all__ = ["Choice", "SiteChoices", "ToolSite"]

#: the arm a within-group comparison assigned to this rollout at a skill, with its propensity
Assign = Callable[[Skill], "tuple[str, float] | None"]


@dataclass
class Choice:
    """The arm chosen at one call site, and its version (None for the null arm)."""

    arm: str
    version: SkillVersion | None


class ToolSite(NamedTuple):
    """Where guidance about one tool's failures was chosen: the tool, and its calls until then."""

    tool: str
    calls_then: int


class SiteChoices:
    """The choices of one episode (not thread-safe: the episode's lock is held by every caller).

    Args:
        selector: draws an arm where no comparison assigned one.
        null_arm: whether "apply nothing" competes at every site.
        applied: the episode's record of selections (appended to).
        recorder: logs each selection.
        assign: the group comparison's assignment, when this episode may test versions in one.
    """

    def __init__(
        self,
        selector: Selector,
        null_arm: bool,
        applied: list[Applied],
        recorder: EventRecorder,
        assign: Assign | None,
    ) -> None:
        self._selector = selector
        self._null_arm = null_arm
        self._applied = applied
        self._recorder = recorder
        self._assign = assign
        self.chosen: dict[str, Choice] = {}
        # For guidance about one tool's failures, credited by that tool's calls (see
        # `CreditLedger.credit_tool_guidance`): the tool's calls so far, where the episode chose at
        # the skill's site (moved on to where a prompt first reached it: `reach`), and the sites whose
        # trigger fired on a failure after that.
        self.tool_calls: dict[str, int] = {}
        self.chosen_at: dict[str, ToolSite] = {}
        self.failed_after: set[str] = set()
        # One outcome per call a version touched: the calls (site, tool, the tool's call number) whose
        # outcome credited the site's arm through its repair (it acted on the call, was undone at it,
        # or the null arm waited on it), and those on whose failure the site's trigger fired. A tool's
        # calls judge the site's guidance only where its repair did not already judge them
        # (`CreditLedger.credit_tool_guidance`): one call, one update, never a 0 for the repair and a
        # 1 for its own guidance (a repair turned harmful then hid behind its guidance's wins).
        self.repaired_calls: set[tuple[str, str, int]] = set()
        self.failed_calls: set[tuple[str, str, int]] = set()
        # Guidance drawn from a tool's declared schema says how to send one argument: it is judged by
        # whether the tool's later calls still break the schema that way (`ToolCalls.before`), not
        # by the tool's failures, most of which concern other arguments and would drown its effect.
        self.conformance: set[str] = set()
        # Sites of a failure no argument causes (a rate limit, an outage, an authorisation error):
        # whether the tool fails that way again is the service's luck under every arm, so a version
        # that retries is judged by its retries alone (`CreditLedger.credit_tool_guidance`).
        self.not_argued: set[str] = set()
        # Guidance sites a prompt reached: the chosen version's text was in it, or (the null arm) one
        # of the site's versions would have been. Only these learn from the episode's outcome.
        self.reached: set[str] = set()
        # Repair sites whose arm (a version, or the null arm) was in play at a call: a repair waited on
        # the call's outcome or was credited by it. A site chosen for its guidance that no prompt
        # reached and whose repair never came into play did nothing: no episode reward is its.
        self.acted: set[str] = set()
        # How many times a site's trigger fired on a failure (only grows: a guidance text made before
        # a failure may be stale after it, see `rescue`).
        self.failures = 0

    def reach(self, sites: set[str]) -> None:
        """A prompt reached these guidance sites. A tool's calls judge a site's guidance from the first
        prompt that reached it: the calls before could not have followed a text not yet read."""
        for site in sites - self.reached:
            chosen = self.chosen_at.get(site)
            if chosen is not None:
                self.chosen_at[site] = ToolSite(chosen.tool, self.tool_calls.get(chosen.tool, 0))
                self.failed_after.discard(site)
        self.reached |= sites

    def failed(self, site: str, tool: str) -> None:
        """The site's trigger fired on a failure of the latest call of `tool`."""
        self.failed_after.add(site)
        self.failures += 1
        self.failed_calls.add((site, tool, self.tool_calls.get(tool, 0)))

    def judged(self, site: str, tool: str, call: int | None = None) -> None:
        """The site's arm was credited with the outcome of a call of `tool` (its number; the latest)."""
        self.repaired_calls.add((site, tool, self.tool_calls.get(tool, 0) if call is None else call))

    def guidance_outcome(self, site: str) -> float | None:
        """What the tool's calls since a prompt reached `site` say of its guidance: 0 when its trigger
        fired on a failure of one of them, 1 when the tool was called and none did, None when it was
        not called. Calls whose outcome the site's repair was credited with are its repair's
        (`repaired_calls`): they are not counted twice."""
        chosen = self.chosen_at[site]
        tool, calls = chosen.tool, self.tool_calls.get(chosen.tool, 0)
        if not any(s == site and t == tool for s, t, _ in self.repaired_calls):
            if site in self.failed_after:
                return 0.0
            return 1.0 if calls > chosen.calls_then else None
        left = [n for n in range(chosen.calls_then + 1, calls + 1) if (site, tool, n) not in self.repaired_calls]
        if any((site, tool, n) in self.failed_calls for n in left):
            return 0.0
        return 1.0 if left else None

    def count_call(self, tool: str) -> None:
        """One more call of `tool` in this episode."""
        self.tool_calls[tool] = self.tool_calls.get(tool, 0) + 1

    def select(
        self, skill: Skill, versions: Sequence[SkillVersion], kind: Literal["guidance", "repair", "code"]
    ) -> Choice:
        """The episode's choice at call site `skill.name` (made once per episode, then reused)."""
        choice = self.chosen.get(skill.name)
        if choice is not None:
            return choice
        candidate = False
        assigned = self._assign(skill) if self._assign is not None else None
        if assigned is not None:
            arm, propensity = assigned
            version = next((v for v in versions if v.id == arm), None)
            choice = Choice(arm, version)
            candidate = version is not None and version.status is VersionStatus.TESTING
        else:
            choice, propensity = self._draw(skill, versions)
        self.chosen[skill.name] = choice
        trigger = skill.trigger
        if trigger.kind is TriggerKind.TOOL_ERROR and trigger.tool and not trigger.tool_is_glob:
            self.chosen_at[skill.name] = ToolSite(trigger.tool, self.tool_calls.get(trigger.tool, 0))
            if trigger.error_type in NOT_ABOUT_ARGUMENTS:
                self.not_argued.add(skill.name)
            if kind == "guidance" and versions and all(v.origin.miner == SCHEMA_MINER for v in versions):
                self.conformance.add(skill.name)
        # A version with guidance and a repair is chosen once per episode, often first for its
        # guidance: the site is still a repair site, whose episode reward the promotion check needs.
        repairs = kind != "guidance" or any(v.strategy.repair is not None or v.strategy.code is not None
                                            for v in versions)
        applied = Applied(key=skill.name, arm=choice.arm, propensity=propensity, kind=kind, candidate=candidate,
                          repairs=repairs)
        self._applied.append(applied)
        self._recorder.log(
            EventKind.SELECTION,
            version_id=choice.version.id if choice.version else None,
            key=skill.name,
            arm=choice.arm,
            propensity=propensity,
            strategy=kind,
            candidate=candidate,
        )
        return choice

    def rescue(self, skill: Skill, versions: Sequence[SkillVersion], ledger: CreditLedger) -> Choice | None:
        """A version for a guidance site whose null arm already lost in this episode; else None.

        The episode chose nothing at the site, a prompt reached it, and the tool then failed the
        site's way (`failed_after`): the null arm's outcome here is known, 0. As a repair is tried
        after a failed call where the episode chose nothing (`ToolCalls._version_after_error`), a
        version is drawn among `versions` (Thompson, without the null arm) and judged by the tool's
        calls from now on. The null arm's 0 is credited now (`ledger`), and its selection marked
        credited: the episode's end does not credit it again. Not where a group comparison assigns
        arms (its rollouts must keep them), nor at a site that also repairs (its episode reward
        belongs to the arm chosen for the whole episode).
        """
        choice = self.chosen.get(skill.name)
        site = self.chosen_at.get(skill.name)
        if (choice is None or choice.version is not None or not versions or site is None
                or skill.name not in self.failed_after or skill.name not in self.reached
                or self._assign is not None):
            return None
        at = next((i for i, a in enumerate(self._applied) if a.key == skill.name), None)
        if at is None:
            return None
        null = self._applied[at]
        if null.kind != "guidance" or null.repairs or null.credited or null.arm != NULL_ARM:
            return None
        self._applied[at] = null.model_copy(update={"credited": True})
        ledger.credit(skill.name, NULL_ARM, 0.0)
        self._recorder.log(EventKind.CREDIT, site.tool, None, key=skill.name, arm=NULL_ARM, reward=0.0,
                           source="rescue", strategy="guidance")
        ledger.evaluate({skill.name})
        arms = [v.id for v in versions]
        arm = self._selector.choose(skill.name, arms)
        propensity = self._selector.propensity(skill.name, arms, arm)
        version = next(v for v in versions if v.id == arm)
        rescued = Choice(arm, version)
        self.chosen[skill.name] = rescued
        self.chosen_at[skill.name] = ToolSite(site.tool, self.tool_calls.get(site.tool, 0))
        self.failed_after.discard(skill.name)
        candidate = version.status is VersionStatus.TESTING
        self._applied.append(Applied(key=skill.name, arm=arm, propensity=propensity, kind="guidance",
                                     candidate=candidate, repairs=False))
        self._recorder.log(EventKind.SELECTION, version_id=arm, key=skill.name, arm=arm, propensity=propensity,
                           strategy="guidance", candidate=candidate, rescue=True)
        return rescued

    def _draw(self, skill: Skill, arms_versions: Sequence[SkillVersion]) -> tuple[Choice, float]:
        arms = [v.id for v in arms_versions]
        if self._null_arm or not arms:
            arms.append(NULL_ARM)
        arm = self._selector.choose(skill.name, arms)
        propensity = self._selector.propensity(skill.name, arms, arm)
        version = next((v for v in arms_versions if v.id == arm), None)
        return Choice(arm, version), propensity
