import { describe, expect, it } from "vitest";
import { addressForm, letterSalutation, type SalutationInput } from "./salutation.js";

const c = (over: Partial<SalutationInput>): SalutationInput => ({
  salutation: null,
  title: null,
  first_name: null,
  last_name: null,
  language: "de",
  ...over,
});

describe("letter salutation", () => {
  it.each([
    [
      c({ salutation: "Frau", title: "Dr.", first_name: "Petra", last_name: "Scholz" }),
      "Sehr geehrte Frau Dr. Scholz,",
    ],
    [c({ salutation: "Herr", first_name: "Jan", last_name: "Müller" }), "Sehr geehrter Herr Müller,"],
    [c({ salutation: "Herr", title: "Prof. Dr.", last_name: "Weiß" }), "Sehr geehrter Herr Prof. Dr. Weiß,"],
    [c({ first_name: "Alex", last_name: "Meyer" }), "Guten Tag Alex Meyer,"],
    [c({ salutation: "Divers", first_name: "Alex", last_name: "Meyer" }), "Guten Tag Alex Meyer,"],
    [c({ salutation: "Familie", last_name: "Schmidt" }), "Sehr geehrte Familie Schmidt,"],
    [c({ salutation: "Firma", last_name: "Hundeschule Pfote" }), "Sehr geehrte Damen und Herren,"],
    [c({}), "Sehr geehrte Damen und Herren,"],
    [c({ salutation: "Frau", first_name: "Petra" }), "Guten Tag Petra,"],
    [c({ salutation: "Ms", title: "Dr.", last_name: "Scholz", language: "en" }), "Dear Ms Dr Scholz,"],
    [c({ salutation: "Frau", title: "Dr.", last_name: "Scholz", language: "en" }), "Dear Ms Dr Scholz,"],
    [c({ salutation: "Mr", first_name: "Jan", last_name: "Müller", language: "en" }), "Dear Mr Müller,"],
    [c({ first_name: "Alex", last_name: "Meyer", language: "en" }), "Dear Alex Meyer,"],
    [c({ salutation: "Mx", first_name: "Alex", last_name: "Meyer", language: "en" }), "Dear Mx Meyer,"],
    [c({ salutation: "Family", last_name: "Smith", language: "en" }), "Dear Smith family,"],
    [c({ language: "en" }), "Dear Sir or Madam,"],
    [c({ salutation: "Herr", last_name: "Rossi", language: "it" }), "Dear Mr Rossi,"],
    [c({ salutation: "Frau", last_name: "Huber", language: "de-AT" }), "Sehr geehrte Frau Huber,"],
  ])("%o → %s", (input, expected) => {
    expect(letterSalutation(input)).toBe(expected);
  });

  it("knows the salutation words in either language, with or without a full stop and in any case", () => {
    expect(addressForm("Mrs.")).toBe("female");
    expect(addressForm("HERR")).toBe("male");
    expect(addressForm(" mx ")).toBe("diverse");
    expect(addressForm("Sgt")).toBeUndefined();
  });
});
