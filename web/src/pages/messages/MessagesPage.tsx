import { Placeholder } from "../placeholder/Placeholder";

export function MessagesPage() {
  return <Placeholder titleKey="contacts" />;
}
