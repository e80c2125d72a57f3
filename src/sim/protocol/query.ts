/**
 * Request parsing for the query protocols: EC2 query (`InstanceId.1`, `Filter.1.Value.1`) and awsQuery
 * (`AutoScalingGroupNames.member.1`, `Targets.member.1.Id`). Both POST form-encoded bodies to `/`.
 */
export class QueryParams {
  readonly #params: URLSearchParams;

  constructor(body: string) {
    this.#params = new URLSearchParams(body);
  }

  get action(): string {
    return this.#params.get('Action') ?? '';
  }

  get(name: string): string | undefined {
    return this.#params.get(name) ?? undefined;
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : v === 'true';
  }

  int(name: string): number | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : Number.parseInt(v, 10);
  }

  /** EC2 flattened list: `Name.1`, `Name.2`, … */
  ec2List(name: string): string[] {
    return this.#list(`${name}.`);
  }

  /** awsQuery list: `Name.member.1`, … */
  memberList(name: string): string[] {
    return this.#list(`${name}.member.`);
  }

  /** awsQuery list whose member has a `locationName`: `Name.Member.1`, … (RDS: `EventCategories.EventCategory.1`). */
  namedList(name: string, member: string): string[] {
    return this.#list(`${name}.${member}.`);
  }

  /** awsQuery filters as RDS models them: `Filters.Filter.N.Name` with `Filters.Filter.N.Values.Value.M`. */
  queryFilters(): { name: string; values: string[] }[] {
    const out: { name: string; values: string[] }[] = [];
    for (let i = 1; ; i++) {
      const name = this.get(`Filters.Filter.${i}.Name`);
      if (name === undefined) return out;
      out.push({ name, values: this.namedList(`Filters.Filter.${i}.Values`, 'Value') });
    }
  }

  /** EC2 filters: `Filter.N.Name` with `Filter.N.Value.M`. */
  ec2Filters(): { name: string; values: string[] }[] {
    const out: { name: string; values: string[] }[] = [];
    for (let i = 1; ; i++) {
      const name = this.get(`Filter.${i}.Name`);
      if (name === undefined) return out;
      out.push({ name, values: this.ec2List(`Filter.${i}.Value`) });
    }
  }

  /** awsQuery list of structures: `Name.member.N.Field` → one record per N. */
  memberStructs(name: string): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    for (let i = 1; ; i++) {
      const prefix = `${name}.member.${i}.`;
      const entry: Record<string, string> = {};
      let found = false;
      for (const [k, v] of this.#params) {
        if (k.startsWith(prefix)) {
          entry[k.slice(prefix.length)] = v;
          found = true;
        }
      }
      if (!found) return out;
      out.push(entry);
    }
  }

  /** Every parameter of the form, in order. */
  entries(): [string, string][] {
    return [...this.#params];
  }

  #list(prefix: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.#params.get(`${prefix}${i}`);
      if (v === undefined || v === null) return out;
      out.push(v);
    }
  }
}
