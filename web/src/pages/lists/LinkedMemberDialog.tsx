// Removing a member the linked e-mail tool still lists (seed 003 §8.1): the API answers 409 and asks. The
// dialog offers the seed's three ways — don't delete, remove here only (?linked_members=keep), delete in the
// tool too (?linked_members=delete) — each with what it does in the list's tool.
import { useModal } from "../../components/Dialog";
import { useListText } from "./model";

export type LinkedMemberChoice = "delete" | "keep";

export function LinkedMemberDialog({
  open,
  who,
  email,
  tool,
  toolKey,
  onChoose,
  onCancel,
}: {
  open: boolean;
  who: string;
  email: string;
  /** The tool's name as shown ("Mailchimp", "listmonk"). */
  tool: string;
  /** The tool's key ("mailchimp", "listmonk"), for what its deletion does. */
  toolKey: string | undefined;
  onChoose(choice: LinkedMemberChoice): void;
  onCancel(): void;
}) {
  const { l } = useListText();
  const ref = useModal(open);
  const inTool = toolKey ? l.linkedDeleteTool[toolKey] : undefined;
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="linked-member-title"
      aria-describedby="linked-member-text"
      onCancel={onCancel}
    >
      <h2 id="linked-member-title">{l.linkedTitle}</h2>
      <p id="linked-member-text">{l.linkedText(who, email, tool)}</p>
      <dl className="choices">
        <dt>{l.linkedNone}</dt>
        <dd>{l.linkedNoneText}</dd>
        <dt>{l.linkedKeep}</dt>
        <dd>{l.linkedKeepText(tool)}</dd>
        <dt>{l.linkedDelete}</dt>
        <dd>
          {l.linkedDeleteText(tool)}
          {inTool ? ` ${inTool}` : null}
        </dd>
      </dl>
      <div className="actions">
        <button type="button" className="btn" onClick={onCancel}>
          {l.linkedNone}
        </button>
        <button type="button" className="btn" onClick={() => onChoose("keep")}>
          {l.linkedKeep}
        </button>
        <button type="button" className="btn btn-danger" onClick={() => onChoose("delete")}>
          {l.linkedDelete}
        </button>
      </div>
    </dialog>
  );
}
