// Serial letters and address labels as PDF (issue 4 item 7): pure renderers, no database. The campaign
// service decides who gets a letter (addressProblem helps it exclude unprintable addresses) and in what order.
export {
  addressLines,
  addressProblem,
  DEFAULT_HOME_COUNTRY,
  isForeign,
  MAX_ADDRESS_LINES,
  type PostalAddress,
  returnAddressLine,
  type SenderAddress,
} from "./address.js";
export {
  LABEL_LAYOUTS,
  type LabelAddress,
  type LabelLayout,
  type LabelLayoutName,
  type LabelOptions,
  type LabelsWritten,
  renderLabelsPdf,
  writeLabelsPdf,
} from "./labels.js";
export {
  bodyParagraphs,
  type Letter,
  type LetterOptions,
  type LettersWritten,
  renderLettersPdf,
  writeLettersPdf,
} from "./letters.js";
export type { FontOptions } from "./pdf.js";
export { formatLetterDate, type LetterLanguage } from "./wording.js";
