/** A graph that does not fit infogain's contract (docs/onnx-models.md); the message names the file. */
export class GraphError extends Error {}
