/** One problem in a flow file, located precisely enough for an editor to jump to it. */
export interface FlowProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** `path:line:col: message`, the format compilers use and editors understand. */
export function formatProblem(problem: FlowProblem): string {
  return `${problem.file}:${problem.line}:${problem.col}: ${problem.message}`;
}

/** Thrown when a flow set is invalid: a worker never starts on one. */
export class InvalidFlowsError extends Error {
  constructor(readonly problems: FlowProblem[]) {
    super(`invalid flows:\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'InvalidFlowsError';
  }
}
