import { Placeholder } from "../placeholder/Placeholder";

export function ContactsPage() {
  return <Placeholder titleKey="contacts" />;
}
