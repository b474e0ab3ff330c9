// Saving a settings form: busy flag, the banner error, the 400 details at their fields, a "saved" notice.
import { useState } from "react";
import { ApiError, type FieldIssue } from "../../api/client";

export function useSave() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [fields, setFields] = useState<Record<string, FieldIssue>>({});
  const [saved, setSaved] = useState(false);
  async function save<T>(action: () => Promise<T>): Promise<T | undefined> {
    setBusy(true);
    setError(null);
    setFields({});
    setSaved(false);
    try {
      const r = await action();
      setSaved(true);
      return r;
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setFields(e.fieldIssues());
      return undefined;
    } finally {
      setBusy(false);
    }
  }
  /** The message for a field, by its API path (settings.default_from) or its last part. */
  const at = (path: string) => fields[path] ?? fields[path.split(".").pop() ?? path];
  return { busy, error, saved, save, at };
}
