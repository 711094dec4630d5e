import type { Client } from 'pg';

/** One node of EXPLAIN (FORMAT JSON)'s plan tree. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * Every node of a named statement's plan for these values, planned as the app runs it (a prepared statement),
 * with `plan_cache_mode = force_generic_plan` when `generic` (what a named statement switches to after five runs).
 */
export async function planOf(sql: Client, statement: { text: string }, values: Array<string | number | null | string[]>, generic = false): Promise<PlanNode[]> {
  const name = `explain_${Math.random().toString(36).slice(2)}`;
  await sql.query(`PREPARE ${name} AS ${statement.text}`);
  if (generic) await sql.query('SET plan_cache_mode = force_generic_plan');
  try {
    const literals = values.map((value) => (value === null ? 'NULL' : `'${(Array.isArray(value) ? `{${value.join(',')}}` : String(value)).replace(/'/g, "''")}'`));
    const { rows } = await sql.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) EXECUTE ${name}(${literals.join(', ')})`);
    return nodes(rows[0]!['QUERY PLAN'][0]!.Plan);
  } finally {
    if (generic) await sql.query('RESET plan_cache_mode');
    await sql.query(`DEALLOCATE ${name}`);
  }
}

/** The reads of `relation` in a plan, as { type, index }: what a plan test asserts. */
export function readsOf(plan: PlanNode[], relation: string): Array<{ type: string; index: string | undefined }> {
  return plan.filter((node) => node['Relation Name'] === relation).map((node) => ({ type: node['Node Type'], index: node['Index Name'] }));
}
