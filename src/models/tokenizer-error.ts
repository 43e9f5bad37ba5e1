/** Every problem with a model's tokenizer files: one line naming the file, the field and what was expected. */
export class TokenizerFileError extends Error {
  override name = 'TokenizerFileError';
}
