// The name under which Poststelle's message id travels with a message through each provider (SendGrid
// custom_args, Mailgun user variables, Postmark metadata, SES message tags), so that the provider's events
// name the message they are about.
export const MESSAGE_ID_ARG = "poststelle_message_id";
