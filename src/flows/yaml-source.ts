import { LineCounter, parseDocument, isMap, isScalar, isNode, type Document, type Node, type YAMLMap } from 'yaml';
import type { FlowProblem } from './problems';

/** A parsed YAML file that can point at any of its nodes by line and column. */
export class YamlSource {
  readonly document: Document;
  private readonly lines = new LineCounter();

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /** Syntax errors, each at its own position. */
  syntaxProblems(): FlowProblem[] {
    return this.document.errors.map((error) => {
      const { line, col } = this.lines.linePos(error.pos[0]);
      return { file: this.file, line, col, message: `YAML syntax error: ${error.message.split('\n')[0]}` };
    });
  }

  /** The node at a path of keys and indices; `keyOf` points at a map key instead of its value. */
  nodeAt(path: ReadonlyArray<string | number>, keyOf?: string): Node | undefined {
    const node = path.length === 0 ? this.document.contents : this.document.getIn(path, true);
    if (!isNode(node)) return undefined;
    if (keyOf !== undefined && isMap(node)) {
      const pair = (node as YAMLMap).items.find((item) => isScalar(item.key) && item.key.value === keyOf);
      return isNode(pair?.key) ? pair.key : node;
    }
    return node;
  }

  /** A problem at the node of `path` (or the nearest existing parent). */
  problemAt(path: ReadonlyArray<string | number>, message: string, keyOf?: string): FlowProblem {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = this.nodeAt(path.slice(0, depth), depth === path.length ? keyOf : undefined);
      if (node?.range) {
        const { line, col } = this.lines.linePos(node.range[0]);
        return { file: this.file, line, col, message };
      }
    }
    return { file: this.file, line: 1, col: 1, message };
  }

  toJS(): unknown {
    return this.document.toJS();
  }
}
