import { Option, type Command } from 'commander';
import type { SandboxPost } from '../types.js';
import { integer } from './flags.js';
import { clientCommand, connect, iso, out, printJson, query, type ClientFlags } from './shared.js';

/** One post as a line: id, time, who, what. */
function line(p: SandboxPost): string {
  const what = p.type === 'ask' ? `asked @${p.recipient}` : p.replyTo !== null ? `replied to #${p.replyTo}` : 'posted';
  const likes = p.likes.length > 0 ? `  (${p.likes.length} like${p.likes.length === 1 ? '' : 's'})` : '';
  return `#${p.id}  ${iso(p.createdAt)}  @${p.author} ${what}: ${p.text}${likes}`;
}

const asOption = (what: string) => new Option('--as <account>', what).makeOptionMandatory();

export function registerSandboxCommands(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('The sandbox platform built into the hub: post, ask, like and read as any account');

  clientCommand(sandbox, 'post', 'Post as an account; @name mentions it')
    .argument('<text>', 'what to post')
    .addOption(asOption('the account to post as (created on first use)'))
    .option('--reply-to <id>', 'answer this post', integer('--reply-to', 1))
    .action(async (body: string, f: ClientFlags & { as: string; replyTo?: number }) => {
      const post = await connect(f).post<SandboxPost>('/v1/sandbox/posts', {
        author: f.as,
        text: body,
        ...(f.replyTo ? { replyTo: f.replyTo } : {}),
      });
      if (f.json) printJson(post);
      else out(line(post));
    });

  clientCommand(sandbox, 'ask', 'Send a question to an account (bots answer asks with onAsk)')
    .argument('<to>', 'the account to ask')
    .argument('<text>', 'the question')
    .option('--as <account>', 'the account asking', 'anonymous')
    .action(async (to: string, body: string, f: ClientFlags & { as: string }) => {
      const post = await connect(f).post<SandboxPost>('/v1/sandbox/asks', { from: f.as, to, text: body });
      if (f.json) printJson(post);
      else out(line(post));
    });

  clientCommand(sandbox, 'like', 'Like a post as an account')
    .argument('<id>', 'the post', integer('<id>', 1))
    .addOption(asOption('the account that likes it'))
    .action(async (id: number, f: ClientFlags & { as: string }) => {
      const res = await connect(f).post<{ liked: boolean; post: SandboxPost }>(`/v1/sandbox/posts/${id}/likes`, {
        account: f.as,
      });
      if (f.json) printJson(res);
      else out(res.liked ? line(res.post) : `@${f.as} already liked #${id}`);
    });

  clientCommand(sandbox, 'timeline', 'Posts, replies and asks, newest first')
    .option('--limit <n>', 'how many', integer('--limit', 1, 500), 20)
    .option('--before <id>', 'older than this post (for paging)', integer('--before', 1))
    .action(async (f: ClientFlags & { limit: number; before?: number }) => {
      const page = await connect(f).get<{ posts: SandboxPost[]; nextCursor: string | null }>(
        `/v1/sandbox/posts${query({ limit: f.limit, before: f.before })}`,
      );
      if (f.json) return printJson(page);
      if (page.posts.length === 0) out('The sandbox is empty: try `roost sandbox post --as alice "hello"`');
      for (const p of page.posts) out(line(p));
      if (page.nextCursor) out(`More: roost sandbox timeline --before ${page.nextCursor}`);
    });
}
