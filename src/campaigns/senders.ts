// The senders a campaign uses: the same per-transport cache as transactional mail (SMTP relays through
// the one pipelining client, src/smtp/client.ts; the capture outbox and provider APIs through delivery's
// senders). One sender per transport, kept across batches and replaced when its configuration changes.
import { SenderCache } from "../delivery/senders.js";

export class CampaignSenders extends SenderCache {}
