// A labelled form control with its error message underneath (400 details land here, DESIGN §9).
import { type ReactNode, useId } from "react";
import { useI18n } from "../i18n";
import { type FieldError, fieldMessage } from "../i18n/errors";

export interface FieldProps {
  label: string;
  error?: FieldError;
  hint?: string;
  children: (props: { id: string; "aria-invalid"?: boolean; "aria-describedby"?: string }) => ReactNode;
}

export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const { lang } = useI18n();
  const describedBy = [error ? `${id}-err` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ");
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        "aria-invalid": error ? true : undefined,
        "aria-describedby": describedBy || undefined,
      })}
      {hint ? (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-err`} className="field-error" role="alert">
          {fieldMessage(error, lang)}
        </small>
      ) : null}
    </div>
  );
}
