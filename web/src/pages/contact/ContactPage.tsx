import { Placeholder } from "../placeholder/Placeholder";

export function ContactPage() {
  return <Placeholder titleKey="contacts" />;
}
