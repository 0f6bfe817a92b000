-- blob_abort: ARGV uploadId, chunks. Drops the staged chunks of an upload that will not be committed.
dropChunks(ARGV[1], tonumber(ARGV[2]))
return { 'OK' }
