import { invalidArgument } from '../../errors.js';
import { FUNC_NAMES } from '../template/builtins.js';
import { executeTemplate, TemplateExecError } from '../template/executeTemplate.js';
import { TemplateSyntaxError } from '../template/lexTemplate.js';
import { parseTemplate, type Tree } from '../template/parseTemplate.js';

const parsed = new Map<string, Tree>();

/** Parse once per distinct template (ps/images render one per row). */
function compile(tpl: string): Tree {
  let tree = parsed.get(tpl);
  if (!tree) {
    try {
      tree = parseTemplate(tpl, FUNC_NAMES);
    } catch (e) {
      if (e instanceof TemplateSyntaxError) throw invalidArgument(`template: :${e.line}: ${e.message}`, { exitCode: 125 });
      throw e;
    }
    if (parsed.size > 64) parsed.clear();
    parsed.set(tpl, tree);
  }
  return tree;
}

/**
 * Render a Docker `--format` Go template: a subset of text/template (fields, variables, pipelines,
 * if/else/with/range, comments, trim markers, Go's and Docker's functions; see src/cli/template/).
 * Parse errors exit 125; execution errors are InvalidArgument worded like Go's.
 */
export function renderTemplate(tpl: string, dot: unknown): string {
  const tree = compile(tpl);
  try {
    return executeTemplate(tree, dot);
  } catch (e) {
    if (e instanceof TemplateExecError) throw invalidArgument(e.message);
    throw e;
  }
}
