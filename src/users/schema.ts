// Request shapes of the login and user routes (issue 7 item 1–2).
import { z } from "zod";
import { emailAddress } from "../util/email.js";

export const userRoles = ["admin", "editor", "viewer"] as const;
export type UserRole = (typeof userRoles)[number];
export const languages = ["de", "en"] as const;
export type Language = (typeof languages)[number];

/** Long enough to resist guessing once the rate limit is passed; long passphrases welcome. */
export const password = z.string().min(10, "must be at least 10 characters").max(1000);

export const loginBody = z.strictObject({
  // Not validated as an address: a typo must get the same 401 as a wrong password.
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1000),
});

export const updateMeBody = z
  .strictObject({
    language: z.enum(languages).optional(),
    name: z.string().trim().max(200).optional(),
    current_password: z.string().min(1).max(1000).optional(),
    new_password: password.optional(),
  })
  .refine((b) => (b.current_password === undefined) === (b.new_password === undefined), {
    message: "current_password and new_password go together",
    path: ["new_password"],
  });
export type UpdateMe = z.infer<typeof updateMeBody>;

export const createUserBody = z.strictObject({
  email: emailAddress,
  name: z.string().trim().max(200).optional(),
  role: z.enum(userRoles),
  language: z.enum(languages).optional(),
  /** Omitted: a password is generated and returned once. */
  password: password.optional(),
});
export type CreateUser = z.infer<typeof createUserBody>;

export const updateUserBody = z.strictObject({
  name: z.string().trim().max(200).optional(),
  role: z.enum(userRoles).optional(),
  language: z.enum(languages).optional(),
  disabled: z.boolean().optional(),
  /** A password reset by an admin; ends the user's sessions. */
  password: password.optional(),
});
export type UpdateUser = z.infer<typeof updateUserBody>;

export const userIdParam = z.strictObject({ id: z.string().min(1).max(100) });
