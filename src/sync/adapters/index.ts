// Every tool adapter, registered with the engine's adapterFor(). One import per file in this folder.
import "./mailchimp.js";

export { adapterFor } from "../adapter.js";

import "./listmonk.js";
