// Types of harness.mjs for the TypeScript tests.
export declare const REPO: string;
export declare function spiceBin(): string;
export declare function base58(bytes: Uint8Array): string;
export declare function newKeypair(file: string): { address: string; seed: string; file: string };
export declare class SpiceNetwork {
  static create(options?: { dir?: string; deploy?: string }): SpiceNetwork;
  dir: string;
  ledger: string;
  url: string;
  address: string;
  addresses: Record<string, string>;
  readonly deployer: string;
  cli(args: string[], options?: { keypair?: string; server?: boolean }): string;
  json(args: string[], options?: { keypair?: string; server?: boolean }): any;
  viaServer(args: string[], keypair?: string): any;
  keypair(name: string): string;
  attestor(n: number): string;
  fundedKeypair(name: string, amounts?: { stake?: bigint; payment?: bigint }): { address: string; seed: string; file: string };
  fund(address: string, amounts?: { stake?: bigint; payment?: bigint; sol?: number }): void;
  mintTo(mint: string, address: string, amount: bigint): void;
  serve(options?: { bind?: string }): Promise<string>;
  stop(): Promise<void>;
  rpc(method: string, params?: unknown[]): Promise<any>;
  warpSeconds(seconds: number): Promise<any>;
  createJob(client: string, options?: { price?: string | number; units?: number; extra?: string[] }): string;
  accept(owner: string, job: string, options?: { server?: boolean }): any;
  submit(owner: string, job: string, units: number, options?: { server?: boolean }): any;
  approve(client: string, job: string, units: number): any;
  vote(job: string, options: { valid: boolean; units?: number; server?: boolean }): void;
  exists(job: string): boolean;
  runJob(client: string, owner: string, options?: { price?: string | number; units?: number; done?: number }): string;
  finalizeEpochs(epochs?: number): void;
  audit(): any;
  setTokenAmount(address: string, amount: bigint | number): void;
  remove(): void;
}
