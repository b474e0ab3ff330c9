// Test send of a template to one address: a transactional message through the normal message path.
import type { Ctx } from "../runtime.js";
import { AppError } from "../util/errors.js";
import type { TestSendInput } from "./schema.js";

export async function testSendTemplate(_ctx: Ctx, _id: string, _input: TestSendInput): Promise<never> {
  throw new AppError("conflict", "Test sends are not available yet.");
}
