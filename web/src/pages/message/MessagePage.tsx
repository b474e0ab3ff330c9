import { Placeholder } from "../placeholder/Placeholder";

export function MessagePage() {
  return <Placeholder titleKey="contacts" />;
}
