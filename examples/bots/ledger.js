// The loans bot of seed 004: watches every sandbox post for `$loan 50 @bob` (the author lent @bob
// 50) and `$paid @bob [20]` (the lender says @bob paid back, all or 20), keeps the book in state,
// answers each command with a summary, and reminds borrowers of loans left unpaid.
//
// Reminders come from the bot's own schedule rather than from a delayed job: a reminder is a post,
// and only the bot posts (through its ledger, so a reminder goes out once whatever crashes). The
// schedule is as durable as a delayed job: the book is in state and `missed: 'once'` catches up
// after the hub was down.
//
// On Reddit (seed 004's home), unchanged: add a Reddit account named `loans` from
// examples/accounts/loans.reddit.json (docs/platforms.md, Reddit) and the bot answers `$loan` and
// `$paid` comments in its subreddits and its inbox.
import { defineBot } from 'roost/bots';

const DAY = 24 * 60 * 60 * 1000;
const AMOUNT = '(\\d{1,9}(?:\\.\\d{1,2})?)';
const LOAN = new RegExp(`\\$loan\\s+${AMOUNT}\\s+@([a-z0-9_-]{1,32})`, 'i');
const PAID = new RegExp(`\\$paid\\s+@([a-z0-9_-]{1,32})(?:\\s+${AMOUNT})?`, 'i');
const USAGE =
  'I understand `$loan 50 @bob` (you lent @bob 50) and `$paid @bob` or `$paid @bob 20` (@bob paid you back).';

const cents = (amount) => Math.round(Number(amount) * 100);
const money = (c) => (c % 100 === 0 ? String(c / 100) : (c / 100).toFixed(2));
const pairOf = (e) => `${e.borrower}>${e.lender}`;

/** Loans not paid back in full, oldest first; payments settle a pair's oldest loans first. */
function openLoans(book) {
  const paid = {};
  for (const p of Object.values(book.payments)) paid[pairOf(p)] = (paid[pairOf(p)] ?? 0) + p.cents;
  const open = [];
  for (const [id, loan] of Object.entries(book.loans).sort((a, b) => a[1].at - b[1].at)) {
    const settled = Math.min(paid[pairOf(loan)] ?? 0, loan.cents);
    paid[pairOf(loan)] = (paid[pairOf(loan)] ?? 0) - settled;
    if (settled < loan.cents) open.push({ id, ...loan, owed: loan.cents - settled });
  }
  return open;
}

function owed(book, borrower, lender) {
  return openLoans(book)
    .filter((l) => l.borrower === borrower && l.lender === lender)
    .reduce((sum, l) => sum + l.owed, 0);
}

/** What everyone named in a command owes or is owed, one line per pair. */
function summary(book, people) {
  const totals = new Map();
  for (const l of openLoans(book)) {
    if (people.includes(l.lender) || people.includes(l.borrower))
      totals.set(pairOf(l), { ...l, owed: (totals.get(pairOf(l))?.owed ?? 0) + l.owed });
  }
  if (totals.size === 0) return `No open loans for ${people.map((p) => '@' + p).join(' or ')}.`;
  return `Open: ${[...totals.values()].map((l) => `@${l.borrower} owes @${l.lender} ${money(l.owed)}`).join('; ')}.`;
}

const loanNote = (l) => ({
  people: [l.lender, l.borrower],
  noted: `@${l.lender} lent @${l.borrower} ${money(l.cents)}.`,
});
const paidNote = (p) => ({
  people: [p.lender, p.borrower],
  noted: `@${p.borrower} paid @${p.lender} back ${money(p.cents)}.`,
});

/** Changes the book for a command; a command seen before (a replayed event) changes nothing. */
function apply(book, post, now) {
  if (book.loans[post.id]) return loanNote(book.loans[post.id]);
  if (book.payments[post.id]) return paidNote(book.payments[post.id]);
  const author = post.author;
  const loan = LOAN.exec(post.text);
  if (loan) {
    const entry = { lender: author, borrower: loan[2].toLowerCase(), cents: cents(loan[1]), at: now };
    if (entry.borrower === author) return { error: 'You cannot lend to yourself.' };
    if (entry.cents <= 0) return { error: 'A loan needs an amount above 0.' };
    book.loans[post.id] = entry;
    return { ...loanNote(entry), changed: true };
  }
  const paid = PAID.exec(post.text);
  if (!paid) return { error: USAGE };
  const borrower = paid[1].toLowerCase();
  const due = owed(book, borrower, author);
  if (due === 0) return { error: `@${borrower} owes you nothing, @${author}; nothing noted.` };
  const entry = {
    lender: author,
    borrower,
    cents: Math.min(paid[2] === undefined ? due : cents(paid[2]), due),
    at: now,
  };
  book.payments[post.id] = entry;
  return { ...paidNote(entry), changed: true };
}

async function onCommand(event, ctx) {
  if (!/\$(loan|paid)\b/i.test(event.post.text)) return;
  const book = (await ctx.state.get('book')) ?? { loans: {}, payments: {} };
  const result = apply(book, event.post, ctx.now());
  if (result.changed) await ctx.state.set('book', book);
  const text = result.error ?? `${result.noted} ${summary(book, result.people)}`;
  await ctx.reply(event.post, text, { key: `command:${event.post.id}` });
}

export default defineBot({
  name: 'ledger',
  account: 'loans',
  schedule: '* * * * *',
  missed: 'once',
  onPost: onCommand,
  onMention: onCommand,
  onReply: onCommand,
  /** Reminds each borrower once of a loan unpaid after `remindAfterMs` (state; default a day). */
  async onSchedule(ctx) {
    const book = (await ctx.state.get('book')) ?? { loans: {}, payments: {} };
    const after = (await ctx.state.get('remindAfterMs')) ?? DAY;
    for (const loan of openLoans(book)) {
      if (loan.reminded || loan.at + after > ctx.now()) continue;
      const text = `@${loan.borrower}, a reminder: you owe @${loan.lender} ${money(loan.owed)} from this loan. @${loan.lender}, say $paid @${loan.borrower} once it is settled.`;
      await ctx.reply(loan.id, text, { key: `remind:${loan.id}` });
      book.loans[loan.id].reminded = true;
      await ctx.state.set('book', book);
      ctx.log.info('reminded a borrower', { loan: loan.id, borrower: loan.borrower });
    }
  },
});
