-- CreateTable
CREATE TABLE "InstanceTokenAddress" (
    "tokenId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "lastUsedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InstanceTokenAddress_pkey" PRIMARY KEY ("tokenId","address")
);

-- AddForeignKey
ALTER TABLE "InstanceTokenAddress" ADD CONSTRAINT "InstanceTokenAddress_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "InstanceToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;

