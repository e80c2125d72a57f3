/**
 * A CloudFormation template the simulated region cannot build from. The message is one sentence that starts with
 * the template path of the offending value (`Resources.WebAsg.Properties.MinSize`).
 */
export class TemplateError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'TemplateError';
    this.path = path;
  }
}
