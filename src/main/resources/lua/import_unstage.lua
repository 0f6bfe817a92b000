-- import_unstage: ARGV stagingId, then the types it staged. Drops a staged import that will not be
-- committed (refused, or its request failed). UNLINK: Redis frees the hashes in the background.
for i = 2, #ARGV do
  redis.call('UNLINK', stageKey(ARGV[1], ARGV[i]))
end
return { 'OK' }
