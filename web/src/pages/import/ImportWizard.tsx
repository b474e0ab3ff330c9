import { Placeholder } from "../placeholder/Placeholder";

export function ImportWizard() {
  return <Placeholder titleKey="contacts" />;
}
