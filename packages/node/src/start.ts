/** `ln-node start`: placeholder replaced below. */
export async function startCommand(_f: Map<string, string>): Promise<number> {
  return -1;
}
