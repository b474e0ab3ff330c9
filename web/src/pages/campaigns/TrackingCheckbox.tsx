// The campaign's own switch for open and click tracking (API field `tracking`): it applies only when the
// workspace's setting is on, so with the setting off the box is disabled and says where to switch it on.
import { useId } from "react";
import { useCampaignText } from "./model";

export function TrackingCheckbox({
  checked,
  workspaceTracking,
  onChange,
}: {
  checked: boolean;
  /** The workspace setting; null while it loads. */
  workspaceTracking: boolean | null;
  onChange(on: boolean): void;
}) {
  const { c } = useCampaignText();
  const id = useId();
  const off = workspaceTracking === false;
  return (
    <div className="field">
      <label>
        <input
          id={id}
          type="checkbox"
          checked={checked && !off}
          disabled={off}
          aria-describedby={`${id}-hint`}
          onChange={(e) => onChange(e.target.checked)}
        />{" "}
        {c.tracking}
      </label>
      <small id={`${id}-hint`} className="hint">
        {off ? c.trackingWorkspaceOff : c.trackingHint}
      </small>
    </div>
  );
}

/** The details' words for the campaign's tracking: on, off, or on but switched off for the workspace. */
export function trackingWords(
  c: ReturnType<typeof useCampaignText>["c"],
  campaignTracking: boolean,
  workspaceTracking: boolean | null,
): string {
  if (!campaignTracking) return c.trackingNo;
  if (workspaceTracking === false) return c.trackingNoWorkspace;
  return c.trackingYes;
}
