// Every tool adapter, registered with the engine's adapterFor(). One import per file in this folder.
export { adapterFor } from "../adapter.js";
