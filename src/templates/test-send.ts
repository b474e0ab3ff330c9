// Test send (issue 4 §1): the template rendered as in the preview, sent to one address as a transactional
// message through the normal message path, so it gets a timeline, the blocklist check and the archive BCC.
import { submitMessage } from "../delivery/service.js";
import type { Ctx } from "../runtime.js";
import type { TestSendInput } from "./schema.js";
import { renderSample } from "./service.js";

export const TEST_SEND_TAG = "template-test";

export async function testSendTemplate(ctx: Ctx, id: string, input: TestSendInput) {
  const { template, rendered } = await renderSample(ctx, id, {
    contact_id: input.contact_id,
    data: input.data,
  });
  const { message } = await submitMessage(ctx, {
    to: input.to,
    from: input.from,
    // Marked so that nobody mistakes a test for the real correspondence in an inbox or the message list.
    subject: `[Test] ${rendered.subject}`,
    html: rendered.html ?? undefined,
    text: rendered.text ?? undefined,
    tags: [TEST_SEND_TAG, `template:${template.id}`],
  });
  return message;
}
