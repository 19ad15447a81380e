-- A bot's poll cursors were kept by account name, so an account moved to another platform (the
-- sandbox's `echoer` added on Bluesky) handed its old platform's cursor to the new connector. They
-- are now kept as PLATFORM:ACCOUNT; each existing one is given the platform its account has now
-- (the sandbox where no account is stored). The pre-accounts key `sandbox` stays as it is: the
-- runtime reads it as the sandbox's old cursor.
UPDATE bot_platform_cursors
SET platform = COALESCE(
  (SELECT a.platform FROM platform_accounts a WHERE a.name = bot_platform_cursors.platform),
  'sandbox'
) || ':' || platform
WHERE platform NOT LIKE '%:%' AND platform <> 'sandbox';
