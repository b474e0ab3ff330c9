// A modal confirmation on the native <dialog> element: focus is trapped and Escape cancels.
import { type ReactNode, useEffect, useRef } from "react";
import { useI18n } from "../i18n";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Tab and Shift+Tab go round the dialog's own controls: a modal <dialog> keeps the page inert, but Tab
 * from its last control would leave it for the browser's toolbar, and a keyboard user then finds no way back. */
function trapTab(d: HTMLDialogElement) {
  return (e: KeyboardEvent) => {
    if (e.key !== "Tab") return;
    const items = [...d.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((x) => x.offsetParent !== null);
    const active = document.activeElement;
    if (items.length === 0) {
      e.preventDefault();
      return;
    }
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && (active === first || !d.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !d.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  };
}

/** A ref for a native <dialog> shown as a modal while `open`: focus trapped, Escape cancels, and when it
 * closes (or the page drops it) focus goes back to what opened it. */
export function useModal(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (!open) {
      if (d.open) d.close();
      return;
    }
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!d.open) d.showModal();
    const trap = trapTab(d);
    d.addEventListener("keydown", trap);
    return () => {
      d.removeEventListener("keydown", trap);
      if (d.open) d.close();
      if (opener?.isConnected) opener.focus();
    };
  }, [open]);
  return ref;
}

export interface ConfirmProps {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onCancel,
}: ConfirmProps) {
  const ref = useModal(open);
  const { t } = useI18n();
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title" onCancel={onCancel}>
      <h2 id="dialog-title">{title}</h2>
      <div>{children}</div>
      <div className="actions">
        <button type="button" className="btn" onClick={onCancel}>
          {t.app.cancel}
        </button>
        <button type="button" className={`btn ${danger ? "btn-danger" : "btn-primary"}`} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
