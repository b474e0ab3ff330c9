import { Placeholder } from "../placeholder/Placeholder";

export function SettingsPage() {
  return <Placeholder titleKey="contacts" />;
}
