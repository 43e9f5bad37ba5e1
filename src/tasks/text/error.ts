/** Errors about bad text-task input (options, judge files, win-rate pairs). Always one line. */
export class TextTaskError extends Error {
  override name = 'TextTaskError';
}
